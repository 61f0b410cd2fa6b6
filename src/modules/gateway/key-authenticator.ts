// Turns a presented API key into the key's identity and scopes, or undefined.
//
// - The environment's admin key (ADMIN_API_KEY) is hashed once and compared by hash in
//   constant time; it never touches the database.
// - Database keys are looked up by hash. A result (found or not) is cached for at most
//   `cacheTtlMs` (default 1 s) so a revoked key stops working in every process within that
//   time even without Redis; a revoke in this process clears the cache at once, and so does a
//   `keys` notification when a notifier is given.
// - authenticateNow() answers without a promise when the admin key or a fresh cache entry
//   decides (the gateway's hot path); authenticate() also asks the store.
// - last_used_at is written at most once per `touchIntervalMs` (default 60 s) per key per
//   process, and the store's WHERE keeps other processes from writing within the interval too.
//   The write is fire-and-forget: a failed stamp never fails the request.

import type { Logger } from '../../platform/logger';
import type { Notifier } from '../../platform/notifier';
import { hashApiKey, hashesEqual } from './api-key';
import type { ApiKeyStore } from './api-key-store';

export interface AuthenticatedKey {
  keyId: string;
  name: string;
  scopes: string[];
}

/** A decided lookup: `value` is the key's identity, or undefined for an unknown or revoked key. */
export interface KeyLookup {
  readonly value: AuthenticatedKey | undefined;
}

export interface KeyAuthenticator {
  authenticate(presentedKey: string): Promise<AuthenticatedKey | undefined>;
  /**
   * The answer at once when the admin key or a cache entry younger than the TTL decides it;
   * undefined when only the store can (then call authenticate()).
   */
  authenticateNow(presentedKey: string): KeyLookup | undefined;
  /** Forgets cached lookups (after a revoke in this process, or a `keys` notification). */
  clearCache(): void;
  close(): void;
}

export const KEYS_CHANNEL = 'keys';

export interface KeyAuthenticatorOptions {
  store: ApiKeyStore;
  adminApiKey: string | null;
  logger: Logger;
  notifier?: Notifier;
  now?: () => number;
  cacheTtlMs?: number;
  touchIntervalMs?: number;
}

export function createKeyAuthenticator(opts: KeyAuthenticatorOptions): KeyAuthenticator {
  const now = opts.now ?? Date.now;
  const cacheTtlMs = opts.cacheTtlMs ?? 1000;
  const touchIntervalMs = opts.touchIntervalMs ?? 60_000;
  const log = opts.logger.child('gateway.keys');
  const adminHash = opts.adminApiKey ? hashApiKey(opts.adminApiKey) : null;
  // Not a secret: a stable id for the environment key so its rate-limit bucket is its own.
  const adminLookup: KeyLookup | null = adminHash
    ? Object.freeze({ value: { keyId: `env-admin-${adminHash.slice(0, 12)}`, name: 'ADMIN_API_KEY', scopes: ['admin'] } })
    : null;
  // The entries are the lookups authenticateNow() answers with: a hit allocates nothing.
  const cache = new Map<string, { value: AuthenticatedKey | undefined; expiresAt: number }>();
  const lastTouched = new Map<string, number>();
  let clears = 0;
  const clear = () => {
    clears += 1;
    cache.clear();
  };
  const unsubscribe = opts.notifier?.subscribe(KEYS_CHANNEL, clear);

  function touch(keyId: string, at: number): void {
    const last = lastTouched.get(keyId);
    if (last !== undefined && at - last < touchIntervalMs) return;
    lastTouched.set(keyId, at);
    opts.store.touch(keyId, touchIntervalMs).catch((err: unknown) => {
      log.warn('could not record key use', { key_id: keyId, error: err instanceof Error ? err.message : String(err) });
    });
  }

  /** The admin key's or a fresh cache entry's answer for `hash`, at `at`. */
  function decided(hash: string, at: number): KeyLookup | undefined {
    if (adminHash && adminLookup && hashesEqual(hash, adminHash)) return adminLookup;
    const cached = cache.get(hash);
    if (!cached || cached.expiresAt <= at) return undefined;
    if (cached.value) touch(cached.value.keyId, at);
    return cached;
  }

  return {
    authenticateNow(presentedKey) {
      return decided(hashApiKey(presentedKey), now());
    },
    async authenticate(presentedKey) {
      const hash = hashApiKey(presentedKey);
      const at = now();
      const known = decided(hash, at);
      if (known) return known.value;
      const generation = clears;
      const record = await opts.store.findActiveByHash(hash);
      const value = record ? { keyId: record.id, name: record.name, scopes: record.scopes } : undefined;
      // A lookup that a clear overtook (a revoke while it read) may hold the key as it was before:
      // it answers its own request but is not cached, so it cannot outlive the revoke.
      if (generation === clears) {
        // Bounded: an attacker sending random keys must not grow the cache without limit.
        if (cache.size >= 10_000) cache.clear();
        cache.set(hash, { value, expiresAt: at + cacheTtlMs });
      }
      if (value) touch(value.keyId, at);
      return value;
    },
    clearCache: clear,
    close() {
      unsubscribe?.();
      clear();
    },
  };
}
