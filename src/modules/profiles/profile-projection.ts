// The profiles read model (tables `profiles` and `profile_reports`), kept by folding events in.
// Idempotent under redelivery: a row only moves forward, to an event version above its own.

import type { Tx } from '../../platform/db';
import type { StoredEvent } from '../events/event';
import { INTELLIGENCE_REPORT_ADDED, PROFILE_CREATED, PROFILE_UPDATED, type IntelligenceReportAddedData, type ProfileCreatedData, type ProfileUpdatedData } from './profile-events';
import { PROFILE_FIELDS } from './profile';

export const PROFILES_PROJECTION = 'profiles-projection';

/** Applies one profile event to the read model inside the subscription's transaction. */
export async function projectProfileEvent(event: StoredEvent, trx: Tx): Promise<void> {
  const at = Date.parse(event.timestamp);
  switch (event.type) {
    case PROFILE_CREATED: {
      const d = event.data as unknown as ProfileCreatedData;
      await trx
        .insertInto('profiles')
        .values({
          id: event.aggregate_id,
          name: d.name,
          organization: d.organization,
          ein: d.ein ?? null,
          mission: d.mission,
          focus_areas: JSON.stringify(d.focus_areas ?? []),
          states: JSON.stringify(d.states ?? []),
          revenue_min: d.revenue_min ?? null,
          revenue_max: d.revenue_max ?? null,
          version: event.version,
          created_at: at,
          updated_at: at,
        })
        .onConflict((oc) => oc.column('id').doNothing())
        .execute();
      return;
    }
    case PROFILE_UPDATED: {
      const d = event.data as ProfileUpdatedData;
      const set: Record<string, unknown> = { version: event.version, updated_at: at };
      for (const field of PROFILE_FIELDS) {
        if (d[field] === undefined) continue;
        set[field] = field === 'focus_areas' || field === 'states' ? JSON.stringify(d[field]) : d[field];
      }
      await trx
        .updateTable('profiles')
        .set(set)
        .where('id', '=', event.aggregate_id)
        .where('version', '<', event.version)
        .execute();
      return;
    }
    case INTELLIGENCE_REPORT_ADDED: {
      const d = event.data as unknown as IntelligenceReportAddedData;
      await trx
        .insertInto('profile_reports')
        .values({ profile_id: event.aggregate_id, run_id: d.run_id, tier: d.tier, report: JSON.stringify(d.report ?? null), created_at: at })
        .onConflict((oc) => oc.columns(['profile_id', 'run_id']).doNothing())
        .execute();
      await bumpVersion(trx, event, at);
      return;
    }
    default:
      // Unknown types (from a newer release) still move the version so the list shows it.
      await bumpVersion(trx, event, at);
  }
}

async function bumpVersion(trx: Tx, event: StoredEvent, at: number): Promise<void> {
  await trx
    .updateTable('profiles')
    .set({ version: event.version, updated_at: at })
    .where('id', '=', event.aggregate_id)
    .where('version', '<', event.version)
    .execute();
}

/** Clears the read model (rebuilds). Reports first: they belong to profiles. */
export async function clearProfileReadModel(trx: Tx): Promise<void> {
  await trx.deleteFrom('profile_reports').execute();
  await trx.deleteFrom('profiles').execute();
}
