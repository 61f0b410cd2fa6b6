// The key cache behind the gateway's fast path: answers at once while fresh, never outlives its
// TTL, and a revoke (clearCache, or a `keys` notification) takes effect at once, even against a
// lookup that was reading while the key was revoked.

import type { ApiKeyRecord, ApiKeyStore } from '../../../src/modules/gateway/api-key-store';
import { hashApiKey } from '../../../src/modules/gateway/api-key';
import { createKeyAuthenticator, KEYS_CHANNEL } from '../../../src/modules/gateway/key-authenticator';
import type { Logger } from '../../../src/platform/logger';
import { createNotifier } from '../../../src/platform/notifier';

const silent: Logger = { error() {}, warn() {}, info() {}, http() {}, debug() {}, child: () => silent };

function fakeStore(active: Map<string, ApiKeyRecord>) {
  const reads: ((value: ApiKeyRecord | undefined) => void)[] = [];
  let hold = false;
  const store = {
    lookups: 0,
    holdReads: (on: boolean) => (hold = on),
    releaseReads: () => reads.splice(0).forEach((r) => r(undefined)),
    async findActiveByHash(hash: string) {
      store.lookups += 1;
      const found = active.get(hash);
      if (!hold) return found;
      // The read saw the key as active; it answers only when released.
      return new Promise<ApiKeyRecord | undefined>((resolve) => reads.push(() => resolve(found)));
    },
    async touch() {},
  };
  return store;
}

const record = { id: 'k1', name: 'ci', scopes: ['read'] } as unknown as ApiKeyRecord;

describe('key authenticator', () => {
  let now = 0;
  const active = new Map<string, ApiKeyRecord>();
  beforeEach(() => {
    now = 1_000;
    active.clear();
    active.set(hashApiKey('cx_key'), record);
  });

  function make(store: ReturnType<typeof fakeStore>, extra: { notifier?: ReturnType<typeof createNotifier> } = {}) {
    return createKeyAuthenticator({ store: store as unknown as ApiKeyStore, adminApiKey: 'admin-key-0123456789', logger: silent, now: () => now, cacheTtlMs: 1000, ...extra });
  }

  it('answers the admin key and fresh cache entries at once, and asks the store after the TTL', async () => {
    const store = fakeStore(active);
    const auth = make(store);
    expect(auth.authenticateNow('admin-key-0123456789')?.value).toMatchObject({ scopes: ['admin'] });
    expect(auth.authenticateNow('cx_key')).toBeUndefined();
    expect(await auth.authenticate('cx_key')).toMatchObject({ keyId: 'k1' });
    expect(auth.authenticateNow('cx_key')?.value).toMatchObject({ keyId: 'k1' });
    now += 999;
    expect(auth.authenticateNow('cx_key')?.value).toMatchObject({ keyId: 'k1' });
    active.clear(); // revoked in another process
    now += 1;
    expect(auth.authenticateNow('cx_key')).toBeUndefined();
    expect(await auth.authenticate('cx_key')).toBeUndefined();
    expect(store.lookups).toBe(2);
  });

  it('forgets a key at once when the cache is cleared or a keys notification arrives', async () => {
    const notifier = createNotifier({ redis: null, logger: silent });
    const auth = make(fakeStore(active), { notifier });
    await auth.authenticate('cx_key');
    active.clear();
    notifier.publish(KEYS_CHANNEL);
    expect(auth.authenticateNow('cx_key')).toBeUndefined();
    expect(await auth.authenticate('cx_key')).toBeUndefined();
    active.set(hashApiKey('cx_key'), record);
    await auth.authenticate('cx_other');
    auth.clearCache();
    expect(auth.authenticateNow('cx_key')).toBeUndefined();
    auth.close();
    await notifier.close();
  });

  it('does not cache a lookup that a revoke overtook', async () => {
    const store = fakeStore(active);
    const auth = make(store);
    store.holdReads(true);
    const reading = auth.authenticate('cx_key');
    await Promise.resolve();
    active.clear();
    auth.clearCache(); // the revoke, while the read is in flight
    store.releaseReads();
    // The request that was already being authenticated may pass (it started before the revoke) ...
    expect(await reading).toMatchObject({ keyId: 'k1' });
    // ... but its answer is not kept: the next request asks the store and is refused.
    store.holdReads(false);
    expect(auth.authenticateNow('cx_key')).toBeUndefined();
    expect(await auth.authenticate('cx_key')).toBeUndefined();
  });
});
