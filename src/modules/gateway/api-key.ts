// API key material: generating `cx_<base64url 32 bytes>` keys, hashing them (SHA-256), and comparing hashes in constant time.

import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

export const API_KEY_PREFIX_LENGTH = 8;

export interface NewApiKey {
  /** The full key: shown once to its owner, never stored or logged. */
  key: string;
  /** Hex SHA-256 of the key: what the database keeps. */
  hash: string;
  /** The first characters, for telling keys apart in listings. */
  prefix: string;
}

export function generateApiKey(random: (n: number) => Buffer = randomBytes): NewApiKey {
  const key = `cx_${random(32).toString('base64url')}`;
  return { key, hash: hashApiKey(key), prefix: key.slice(0, API_KEY_PREFIX_LENGTH) };
}

/** A key's SHA-256 is enough (keys have 256 bits of entropy, so no salt or slow hash is needed). */
export function hashApiKey(key: string): string {
  return createHash('sha256').update(key, 'utf8').digest('hex');
}

/** Compares two hex hashes without leaking through timing where they first differ. */
export function hashesEqual(a: string, b: string): boolean {
  const x = Buffer.from(a, 'utf8');
  const y = Buffer.from(b, 'utf8');
  return x.length === y.length && timingSafeEqual(x, y);
}
