// The one owner of the `api_keys` table: create, list, revoke, look up by hash, and the throttled last-used stamp.

import { newRowId } from '../../platform/ids';
import type { DatabaseHandle } from '../../platform/db';
import { parseJson } from '../../platform/db';
import { generateApiKey } from './api-key';

export interface ApiKeyRecord {
  id: string;
  name: string;
  prefix: string;
  scopes: string[];
  created_at: number;
  revoked_at: number | null;
  last_used_at: number | null;
}

export interface CreatedApiKey extends ApiKeyRecord {
  /** The full key, returned once at creation and never again. */
  key: string;
}

export interface ApiKeyStore {
  create(input: { name: string; scopes: readonly string[] }): Promise<CreatedApiKey>;
  /** Every key, newest first, without key material. */
  list(opts?: { includeRevoked?: boolean }): Promise<ApiKeyRecord[]>;
  /** The active (not revoked) key with this hash, if any. */
  findActiveByHash(hash: string): Promise<ApiKeyRecord | undefined>;
  /** True when it revoked an active key; false when the id is unknown or already revoked. */
  revoke(id: string): Promise<boolean>;
  countActive(): Promise<number>;
  /**
   * Stamps last_used_at unless another process stamped it within `minIntervalMs`: the guard is
   * in the WHERE, so many processes write at most about once per interval per key.
   */
  touch(id: string, minIntervalMs: number): Promise<void>;
}

export function createApiKeyStore(database: DatabaseHandle, opts: { now?: () => number } = {}): ApiKeyStore {
  const { db } = database;
  const now = opts.now ?? Date.now;
  const columns = ['id', 'name', 'prefix', 'scopes', 'created_at', 'revoked_at', 'last_used_at'] as const;
  type Row = { id: string; name: string; prefix: string; scopes: string; created_at: number; revoked_at: number | null; last_used_at: number | null };
  const toRecord = (row: Row): ApiKeyRecord => ({ ...row, scopes: parseJson<string[]>(row.scopes, []) });

  return {
    async create({ name, scopes }) {
      const material = generateApiKey();
      const record: ApiKeyRecord = {
        id: newRowId(),
        name,
        prefix: material.prefix,
        scopes: [...new Set(scopes)],
        created_at: now(),
        revoked_at: null,
        last_used_at: null,
      };
      await db
        .insertInto('api_keys')
        .values({ ...record, scopes: JSON.stringify(record.scopes), key_hash: material.hash })
        .execute();
      return { ...record, key: material.key };
    },
    async list({ includeRevoked = true } = {}) {
      let q = db.selectFrom('api_keys').select(columns).orderBy('created_at', 'desc').orderBy('id');
      if (!includeRevoked) q = q.where('revoked_at', 'is', null);
      return (await q.execute()).map(toRecord);
    },
    async findActiveByHash(hash) {
      const row = await db
        .selectFrom('api_keys')
        .select(columns)
        .where('key_hash', '=', hash)
        .where('revoked_at', 'is', null)
        .executeTakeFirst();
      return row ? toRecord(row) : undefined;
    },
    async revoke(id) {
      const result = await db
        .updateTable('api_keys')
        .set({ revoked_at: now() })
        .where('id', '=', id)
        .where('revoked_at', 'is', null)
        .executeTakeFirst();
      return Number(result.numUpdatedRows) > 0;
    },
    async countActive() {
      const row = await db
        .selectFrom('api_keys')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('revoked_at', 'is', null)
        .executeTakeFirstOrThrow();
      return Number(row.n);
    },
    async touch(id, minIntervalMs) {
      const at = now();
      await db
        .updateTable('api_keys')
        .set({ last_used_at: at })
        .where('id', '=', id)
        .where((eb) => eb.or([eb('last_used_at', 'is', null), eb('last_used_at', '<=', at - minIntervalMs)]))
        .execute();
    },
  };
}
