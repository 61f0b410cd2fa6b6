// Turns a presented API key into the key's identity and scopes, or undefined.
//
// - The environment's admin key (ADMIN_API_KEY) is hashed once and compared by hash in
//   constant time; it never touches the database.
// - Database keys are looked up by hash. A result (found or not) is cached for at most
//   `cacheTtlMs` (default 1 s) so a revoked key stops working in every process within that
//   time even without Redis; the `keys` notifier channel clears the cache at once.
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

export interface KeyAuthenticator {
  authenticate(presentedKey: string): Promise<AuthenticatedKey | undefined>;
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
  const adminIdentity: AuthenticatedKey | null = adminHash
    ? { keyId: `env-admin-${adminHash.slice(0, 12)}`, name: 'ADMIN_API_KEY', scopes: ['admin'] }
    : null;
  const cache = new Map<string, { value: AuthenticatedKey | undefined; expiresAt: number }>();
  const lastTouched = new Map<string, number>();
  const unsubscribe = opts.notifier?.subscribe(KEYS_CHANNEL, () => cache.clear());

  function touch(keyId: string, at: number): void {
    const last = lastTouched.get(keyId);
    if (last !== undefined && at - last < touchIntervalMs) return;
    lastTouched.set(keyId, at);
    opts.store.touch(keyId, touchIntervalMs).catch((err: unknown) => {
      log.warn('could not record key use', { key_id: keyId, error: err instanceof Error ? err.message : String(err) });
    });
  }

  return {
    async authenticate(presentedKey) {
      const hash = hashApiKey(presentedKey);
      if (adminHash && adminIdentity && hashesEqual(hash, adminHash)) return adminIdentity;
      const at = now();
      const cached = cache.get(hash);
      let value: AuthenticatedKey | undefined;
      if (cached && cached.expiresAt > at) {
        value = cached.value;
      } else {
        const record = await opts.store.findActiveByHash(hash);
        value = record ? { keyId: record.id, name: record.name, scopes: record.scopes } : undefined;
        // Bounded: an attacker sending random keys must not grow the cache without limit.
        if (cache.size >= 10_000) cache.clear();
        cache.set(hash, { value, expiresAt: at + cacheTtlMs });
      }
      if (value) touch(value.keyId, at);
      return value;
    },
    clearCache() {
      cache.clear();
    },
    close() {
      unsubscribe?.();
      cache.clear();
    },
  };
}
