// First-start key handling: a new install gets an admin key printed once; production refuses to run keyless.
//
// When neither ADMIN_API_KEY nor any active key in the database exists:
// - mode 'create' (`npm start`, the all-in-one process): creates an admin key named
//   "bootstrap-admin" and prints it ONCE (one JSON log line on stdout with a clear message,
//   plus a plain line on stderr),
//   so a new user can call the API at once. This is the only place key material is logged.
// - mode 'refuse' (a production `web`): throws NoApiKeyConfiguredError; the entrypoint exits 1.
// - mode 'warn' (a development `web`): logs a warning; every /api call will get 401.
// The count and the insert share one write transaction, so two processes starting together on
// an empty database create one key, not two.

import { newRowId } from '../../platform/ids';
import type { DatabaseHandle } from '../../platform/db';
import type { Logger } from '../../platform/logger';
import { generateApiKey } from './api-key';
import { NoApiKeyConfiguredError } from './gateway-errors';

export type BootstrapMode = 'create' | 'refuse' | 'warn';

export type BootstrapOutcome = { outcome: 'configured' } | { outcome: 'created'; keyId: string; key: string } | { outcome: 'missing' };

export interface EnsureBootstrapKeyOptions {
  database: DatabaseHandle;
  adminApiKey: string | null;
  mode: BootstrapMode;
  logger: Logger;
  /**
   * Where the plain line with the key goes; default stderr, so that stdout stays one JSON
   * object per line for log shippers (the JSON log line on stdout carries the key too).
   */
  print?: (line: string) => void;
  now?: () => number;
}

/** Which mode a process type runs in: `all` creates, production `web` refuses, anything else warns. */
export function bootstrapModeFor(processType: string, nodeEnv: string): BootstrapMode {
  if (processType === 'all') return 'create';
  if (nodeEnv === 'production') return 'refuse';
  return 'warn';
}

export async function ensureBootstrapKey(opts: EnsureBootstrapKeyOptions): Promise<BootstrapOutcome> {
  if (opts.adminApiKey) return { outcome: 'configured' };
  const log = opts.logger.child('gateway.bootstrap');
  const { db, strategy } = opts.database;
  const countActive = async (q: typeof db) =>
    Number(
      (
        await q
          .selectFrom('api_keys')
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .where('revoked_at', 'is', null)
          .executeTakeFirstOrThrow()
      ).n,
    );

  if (opts.mode !== 'create') {
    if ((await countActive(db)) > 0) return { outcome: 'configured' };
    if (opts.mode === 'refuse') throw new NoApiKeyConfiguredError();
    log.warn('no API key is configured: every /api call will be refused with 401; set ADMIN_API_KEY or create a key with the keys CLI');
    return { outcome: 'missing' };
  }

  const created = await strategy.writeTransaction(db, async (trx) => {
    if ((await countActive(trx)) > 0) return undefined;
    const material = generateApiKey();
    const id = newRowId();
    await trx
      .insertInto('api_keys')
      .values({
        id,
        name: 'bootstrap-admin',
        key_hash: material.hash,
        prefix: material.prefix,
        scopes: JSON.stringify(['admin']),
        created_at: (opts.now ?? Date.now)(),
        revoked_at: null,
        last_used_at: null,
      })
      .execute();
    return { id, key: material.key };
  });
  if (!created) return { outcome: 'configured' };
  log.warn('created an admin API key on first start; it is shown this once, store it now (revoke it once you have your own keys)', {
    key_id: created.id,
    key: created.key,
  });
  (opts.print ?? ((line: string) => process.stderr.write(`${line}\n`)))(`Catalynx admin API key (shown once): ${created.key}`);
  return { outcome: 'created', keyId: created.id, key: created.key };
}
