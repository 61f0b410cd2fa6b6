// The one owner of the `services` table: registered upstream services the gateway proxies to.

import type { DatabaseHandle } from '../../platform/db';
import { parseJson } from '../../platform/db';
import { ConflictError } from '../../platform/errors';

export interface ServiceRecord {
  name: string;
  base_url: string;
  /** Path prefixes under /api that are proxied to base_url. */
  routes: string[];
  health_url: string | null;
  timeout_ms: number | null;
  created_at: number;
  updated_at: number;
}

export interface ServiceStore {
  /** Throws ConflictError when a service with this name exists. */
  create(input: Omit<ServiceRecord, 'created_at' | 'updated_at'>): Promise<ServiceRecord>;
  /** Inserts or replaces by name (services declared in configuration). */
  put(input: Omit<ServiceRecord, 'created_at' | 'updated_at'>): Promise<void>;
  list(): Promise<ServiceRecord[]>;
  /** True when it removed the service. */
  remove(name: string): Promise<boolean>;
}

export function createServiceStore(database: DatabaseHandle, opts: { now?: () => number } = {}): ServiceStore {
  const { db, strategy } = database;
  const now = opts.now ?? Date.now;
  return {
    async create(input) {
      const at = now();
      const record: ServiceRecord = { ...input, created_at: at, updated_at: at };
      try {
        await db.insertInto('services').values({ ...record, routes: JSON.stringify(record.routes) }).execute();
      } catch (err) {
        if (strategy.isUniqueViolation(err)) throw new ConflictError(`A service named "${input.name}" already exists`, { name: input.name });
        throw err;
      }
      return record;
    },
    async put(input) {
      const at = now();
      const values = { base_url: input.base_url, routes: JSON.stringify(input.routes), health_url: input.health_url, timeout_ms: input.timeout_ms, updated_at: at };
      await db
        .insertInto('services')
        .values({ name: input.name, ...values, created_at: at })
        .onConflict((oc) => oc.column('name').doUpdateSet(values))
        .execute();
    },
    async list() {
      const rows = await db.selectFrom('services').selectAll().orderBy('name').execute();
      return rows.map((r) => ({ ...r, routes: parseJson<string[]>(r.routes, []) }));
    },
    async remove(name) {
      const result = await db.deleteFrom('services').where('name', '=', name).executeTakeFirst();
      return Number(result.numDeletedRows) > 0;
    },
  };
}
