// Queries on the profiles read model (lists and reports); it may lag the event store by a moment.

import type { DatabaseHandle } from '../../platform/db';
import { parseJson } from '../../platform/db';
import type { ProfilesTable, ProfileReportsTable } from '../../platform/db';
import type { Profile, ProfileReport } from './profile';

export interface ProfileReadModel {
  list(page: { limit: number; offset: number }): Promise<{ profiles: Profile[]; total: number }>;
  listReports(profileId: string): Promise<ProfileReport[]>;
  findReport(profileId: string, runId: string): Promise<ProfileReport | undefined>;
}

export function createProfileReadModel(database: DatabaseHandle): ProfileReadModel {
  const { db } = database;
  return {
    async list(page) {
      const rows = await db.selectFrom('profiles').selectAll().orderBy('created_at').orderBy('id').limit(page.limit).offset(page.offset).execute();
      const count = await db.selectFrom('profiles').select((eb) => eb.fn.countAll().as('n')).executeTakeFirst();
      return { profiles: rows.map(toProfile), total: Number(count?.n ?? 0) };
    },
    async listReports(profileId) {
      const rows = await db.selectFrom('profile_reports').selectAll().where('profile_id', '=', profileId).orderBy('created_at').orderBy('run_id').execute();
      return rows.map(toReport);
    },
    async findReport(profileId, runId) {
      const row = await db
        .selectFrom('profile_reports')
        .selectAll()
        .where('profile_id', '=', profileId)
        .where('run_id', '=', runId)
        .executeTakeFirst();
      return row ? toReport(row) : undefined;
    },
  };
}

export function toProfile(row: ProfilesTable): Profile {
  return {
    id: row.id,
    name: row.name,
    organization: row.organization,
    ein: row.ein,
    mission: row.mission,
    focus_areas: parseJson<string[]>(row.focus_areas, []),
    states: parseJson<string[]>(row.states, []),
    revenue_min: row.revenue_min === null ? null : Number(row.revenue_min),
    revenue_max: row.revenue_max === null ? null : Number(row.revenue_max),
    version: Number(row.version),
    created_at: new Date(Number(row.created_at)).toISOString(),
    updated_at: new Date(Number(row.updated_at)).toISOString(),
  };
}

function toReport(row: ProfileReportsTable): ProfileReport {
  return {
    profile_id: row.profile_id,
    run_id: row.run_id,
    tier: row.tier,
    report: parseJson<unknown>(row.report, null),
    created_at: new Date(Number(row.created_at)).toISOString(),
  };
}
