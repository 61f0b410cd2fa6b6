// Reads of the events table through a caller's transaction. EventStore's reads use the pool; on
// SQLite (one connection) a read through the pool from inside a transaction would wait on itself.

import type { Tx } from '../../platform/db';
import type { StoredEvent } from './event';
import { toEvent, type EventRow } from './event-store';

export async function readAllIn(
  trx: Tx,
  q: { after: number; limit: number; types?: readonly string[]; aggregateType?: string },
): Promise<StoredEvent[]> {
  let query = trx.selectFrom('events').selectAll().where('position', '>', q.after);
  if (q.types && q.types.length > 0) query = query.where('type', 'in', [...q.types]);
  if (q.aggregateType) query = query.where('aggregate_type', '=', q.aggregateType);
  return ((await query.orderBy('position').limit(q.limit).execute()) as EventRow[]).map(toEvent);
}

export async function readStreamIn(trx: Tx, aggregateType: string, aggregateId: string): Promise<StoredEvent[]> {
  const rows = await trx
    .selectFrom('events')
    .selectAll()
    .where('aggregate_type', '=', aggregateType)
    .where('aggregate_id', '=', aggregateId)
    .orderBy('version')
    .execute();
  return (rows as EventRow[]).map(toEvent);
}
