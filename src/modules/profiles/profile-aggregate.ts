// The Profile aggregate as pure functions: commands decide which events to append, applyEvent folds
// a stream into state, loadProfile rebuilds it (optionally as it was at a version). No I/O here.

import type { NewEvent, StoredEvent } from '../events/event';
import { InvalidProfileError, ProfileStateError } from './profile-errors';
import {
  INTELLIGENCE_REPORT_ADDED,
  PROFILE_CREATED,
  PROFILE_UPDATED,
  type IntelligenceReportAddedData,
  type ProfileCreatedData,
  type ProfileUpdatedData,
} from './profile-events';
import { PROFILE_FIELDS, type CreateProfileBody, type PatchProfileBody, type Profile, type ProfileFields } from './profile';

export interface ProfileState {
  profile: Profile;
  /** Runs whose report is already in the stream (a repeated report is not appended twice). */
  reportRunIds: readonly string[];
}

export function decideCreate(body: CreateProfileBody): NewEvent[] {
  const data: ProfileCreatedData = {
    name: body.name,
    organization: body.organization,
    ein: body.ein ?? null,
    mission: body.mission,
    focus_areas: body.focus_areas,
    states: body.states,
    revenue_min: body.revenue_min ?? null,
    revenue_max: body.revenue_max ?? null,
  };
  return [{ type: PROFILE_CREATED, data: { ...data } }];
}

/** A ProfileUpdated with only the fields whose value changes; no event when nothing changes. */
export function decideUpdate(state: ProfileState, patch: PatchProfileBody): NewEvent[] {
  const changed: ProfileUpdatedData = {};
  for (const field of PROFILE_FIELDS) {
    const next = patch[field];
    if (next === undefined) continue;
    if (!sameValue(state.profile[field], next)) (changed as Record<string, unknown>)[field] = next;
  }
  const merged = { ...state.profile, ...changed };
  if (merged.revenue_min !== null && merged.revenue_max !== null && merged.revenue_min > merged.revenue_max) {
    throw new InvalidProfileError(
      `revenue_min (${merged.revenue_min}) must not exceed revenue_max (${merged.revenue_max})`,
      state.profile.id,
    );
  }
  if (Object.keys(changed).length === 0) return [];
  return [{ type: PROFILE_UPDATED, data: { ...changed } }];
}

export function decideAddReport(state: ProfileState, report: IntelligenceReportAddedData): NewEvent[] {
  if (state.reportRunIds.includes(report.run_id)) return [];
  return [{ type: INTELLIGENCE_REPORT_ADDED, data: { run_id: report.run_id, tier: report.tier, report: report.report } }];
}

export function applyEvent(state: ProfileState | undefined, event: StoredEvent): ProfileState {
  switch (event.type) {
    case PROFILE_CREATED: {
      if (state) throw new ProfileStateError(`profile "${event.aggregate_id}" is created twice (version ${event.version})`);
      const data = event.data as unknown as ProfileCreatedData;
      return {
        profile: { id: event.aggregate_id, ...pickFields(data), version: event.version, created_at: event.timestamp, updated_at: event.timestamp },
        reportRunIds: [],
      };
    }
    case PROFILE_UPDATED: {
      const current = requireState(state, event);
      const data = event.data as ProfileUpdatedData;
      return {
        ...current,
        profile: { ...current.profile, ...pickFields(data), version: event.version, updated_at: event.timestamp },
      };
    }
    case INTELLIGENCE_REPORT_ADDED: {
      const current = requireState(state, event);
      const data = event.data as unknown as IntelligenceReportAddedData;
      return {
        profile: { ...current.profile, version: event.version, updated_at: event.timestamp },
        reportRunIds: [...current.reportRunIds, data.run_id],
      };
    }
    default: {
      // An event type this code does not know (written by a newer version): keep the version moving.
      const current = requireState(state, event);
      return { ...current, profile: { ...current.profile, version: event.version } };
    }
  }
}

/** The profile folded from its events, up to `version` when given; undefined when the stream is empty. */
export function loadProfile(events: readonly StoredEvent[], id: string, opts: { version?: number } = {}): ProfileState | undefined {
  let state: ProfileState | undefined;
  for (const event of events) {
    if (event.aggregate_id !== id) continue;
    if (opts.version !== undefined && event.version > opts.version) break;
    state = applyEvent(state, event);
  }
  return state;
}

function requireState(state: ProfileState | undefined, event: StoredEvent): ProfileState {
  if (!state) throw new ProfileStateError(`${event.type} for profile "${event.aggregate_id}" before ProfileCreated`);
  return state;
}

/** Only the known fields, so stray keys in stored data never reach the API. */
function pickFields<T extends Partial<ProfileFields>>(data: T): T {
  const out: Partial<ProfileFields> = {};
  for (const field of PROFILE_FIELDS) if (data[field] !== undefined) (out as Record<string, unknown>)[field] = data[field];
  return out as T;
}

function sameValue(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}
