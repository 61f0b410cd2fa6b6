// The profiles commands and event-sourced reads: create, update with an expected version, history,
// and recordIntelligenceReport for sagas. Every write is an append; the event store's unique
// (aggregate, version) constraint decides between concurrent writers.

import { newRowId } from '../../platform/ids';
import type { Tx } from '../../platform/db';
import type { Notifier } from '../../platform/notifier';
import { ConcurrencyConflictError } from '../events/concurrency-error';
import type { EventMetadata, StoredEvent } from '../events/event';
import type { EventStore } from '../events/event-store';
import { publishAppended } from '../events/publish-appended';
import { readStreamIn } from '../events/read-events-in';
import { PROFILE_AGGREGATE, type CreateProfileBody, type PatchProfileBody, type Profile } from './profile';
import { applyEvent, decideAddReport, decideCreate, decideUpdate, loadProfile, type ProfileState } from './profile-aggregate';
import { ProfileNotFoundError, ProfileVersionNotFoundError } from './profile-errors';

export interface RecordedReport {
  /** False when this run's report was already in the stream (a retried saga step). */
  appended: boolean;
  version: number;
}

export interface Profiles {
  create(body: CreateProfileBody, metadata?: EventMetadata): Promise<Profile>;
  /** The profile rebuilt from its events, as it was at `version` when given. */
  get(id: string, opts?: { version?: number }): Promise<Profile>;
  /** Throws ConcurrencyConflictError (409) when the profile is not at expectedVersion; writes nothing then. */
  update(id: string, expectedVersion: number, patch: PatchProfileBody, metadata?: EventMetadata): Promise<Profile>;
  history(id: string): Promise<StoredEvent[]>;
  /**
   * Appends IntelligenceReportAdded at the current version, retrying a few times on a conflict
   * (it only appends, so a newer version never invalidates it). Pass trx to commit it with the
   * caller's own change; the caller then publishes the `events` notification after its commit.
   */
  recordIntelligenceReport(profileId: string, runId: string, tier: string, report: unknown, trx?: Tx): Promise<RecordedReport>;
}

export interface ProfilesOptions {
  events: EventStore;
  notifier: Notifier;
  /** Attempts of recordIntelligenceReport before its conflict is thrown. */
  reportAttempts?: number;
}

export function createProfiles(opts: ProfilesOptions): Profiles {
  const { events, notifier } = opts;
  const reportAttempts = opts.reportAttempts ?? 5;

  async function loadState(id: string, trx?: Tx): Promise<ProfileState> {
    const stream = trx ? await readStreamIn(trx, PROFILE_AGGREGATE, id) : await events.readStream(PROFILE_AGGREGATE, id);
    const state = loadProfile(stream, id);
    if (!state) throw new ProfileNotFoundError(id);
    return state;
  }

  return {
    async create(body, metadata) {
      const id = newRowId();
      const appended = await events.append({
        aggregateType: PROFILE_AGGREGATE,
        aggregateId: id,
        expectedVersion: 0,
        events: decideCreate(body).map((e) => ({ ...e, metadata })),
      });
      publishAppended(notifier, appended);
      return loadProfile(appended, id)!.profile;
    },

    async get(id, range = {}) {
      const stream = await events.readStream(PROFILE_AGGREGATE, id);
      const current = stream.length === 0 ? 0 : stream[stream.length - 1].version;
      if (current === 0) throw new ProfileNotFoundError(id);
      if (range.version !== undefined && (range.version < 1 || range.version > current)) {
        throw new ProfileVersionNotFoundError(id, range.version, current);
      }
      return loadProfile(stream, id, { version: range.version })!.profile;
    },

    async update(id, expectedVersion, patch, metadata) {
      const state = await loadState(id);
      // A fast, friendly answer for a stale version; the append below is what actually decides.
      if (state.profile.version !== expectedVersion) {
        throw new ConcurrencyConflictError(PROFILE_AGGREGATE, id, expectedVersion, state.profile.version);
      }
      const decided = decideUpdate(state, patch);
      if (decided.length === 0) return state.profile;
      const appended = await events.append({
        aggregateType: PROFILE_AGGREGATE,
        aggregateId: id,
        expectedVersion,
        events: decided.map((e) => ({ ...e, metadata })),
      });
      publishAppended(notifier, appended);
      // applyEvent is pure: folding the appended events onto the loaded state gives the new state.
      return appended.reduce<ProfileState>((s, e) => applyEvent(s, e), state).profile;
    },

    async history(id) {
      const stream = await events.readStream(PROFILE_AGGREGATE, id);
      if (stream.length === 0) throw new ProfileNotFoundError(id);
      return stream;
    },

    async recordIntelligenceReport(profileId, runId, tier, report, trx) {
      for (let attempt = 1; ; attempt++) {
        const state = await loadState(profileId, trx);
        const decided = decideAddReport(state, { run_id: runId, tier, report });
        if (decided.length === 0) return { appended: false, version: state.profile.version };
        try {
          const appended = await events.append(
            { aggregateType: PROFILE_AGGREGATE, aggregateId: profileId, expectedVersion: state.profile.version, events: decided },
            trx,
          );
          if (!trx) publishAppended(notifier, appended);
          return { appended: true, version: appended[appended.length - 1].version };
        } catch (err) {
          // Another writer moved the stream: read it again and re-decide, a bounded number of times.
          if (!(err instanceof ConcurrencyConflictError) || attempt >= reportAttempts) throw err;
        }
      }
    },
  };
}
