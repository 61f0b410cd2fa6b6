// The Profile aggregate's pure functions: what each command appends and what the fold rebuilds.

import fc from 'fast-check';
import type { NewEvent, StoredEvent } from '../../../src/modules/events/event';
import {
  applyEvent,
  decideAddReport,
  decideCreate,
  decideUpdate,
  loadProfile,
  type ProfileState,
} from '../../../src/modules/profiles/profile-aggregate';
import { CreateProfileBodySchema, PatchProfileBodySchema, type PatchProfileBody } from '../../../src/modules/profiles/profile';
import { InvalidProfileError, ProfileStateError } from '../../../src/modules/profiles/profile-errors';

const ID = '6f1c1a52-6a55-4c1e-9a53-1d3f4b0c9e11';
const body = CreateProfileBodySchema.parse({
  name: 'Seeker',
  organization: 'Heroes Bridge',
  mission: 'Veterans',
  focus_areas: ['W30'],
  states: ['VA'],
  revenue_min: 10,
  revenue_max: 100,
});

/** Stores decided events the way the event store would: consecutive versions, a timestamp each. */
function store(events: readonly NewEvent[], fromVersion: number): StoredEvent[] {
  return events.map((e, i) => ({
    id: `e${fromVersion + i + 1}`,
    position: fromVersion + i + 1,
    aggregate_type: 'profile',
    aggregate_id: ID,
    version: fromVersion + i + 1,
    type: e.type,
    data: e.data,
    metadata: {},
    timestamp: new Date(Date.UTC(2026, 0, 1) + (fromVersion + i) * 1000).toISOString(),
  }));
}

function created(): { state: ProfileState; stream: StoredEvent[] } {
  const stream = store(decideCreate(body), 0);
  return { state: loadProfile(stream, ID)!, stream };
}

describe('Profile aggregate', () => {
  it('creates a profile at version 1 with optional fields defaulting to null', () => {
    const { state } = created();
    expect(state.profile).toMatchObject({ id: ID, name: 'Seeker', ein: null, version: 1, revenue_min: 10, revenue_max: 100 });
    expect(state.profile.created_at).toBe(state.profile.updated_at);
  });

  it('records only the fields that change, and nothing when nothing changes', () => {
    const { state } = created();
    expect(decideUpdate(state, { name: 'Seeker', states: ['VA'], mission: 'Other' })).toEqual([
      { type: 'ProfileUpdated', data: { mission: 'Other' } },
    ]);
    expect(decideUpdate(state, { name: 'Seeker' })).toEqual([]);
  });

  it('refuses an update whose merged revenue range is inverted', () => {
    const { state } = created();
    expect(() => decideUpdate(state, { revenue_min: 500 })).toThrow(InvalidProfileError);
    expect(decideUpdate(state, { revenue_max: null, revenue_min: 500 })).toHaveLength(1);
  });

  it('rebuilds any earlier version from the stream', () => {
    const { state, stream } = created();
    const s2 = [...stream, ...store(decideUpdate(state, { name: 'Two' }), 1)];
    const s3 = [...s2, ...store(decideUpdate(loadProfile(s2, ID)!, { name: 'Three' }), 2)];
    expect(loadProfile(s3, ID)!.profile).toMatchObject({ name: 'Three', version: 3 });
    expect(loadProfile(s3, ID, { version: 2 })!.profile).toMatchObject({ name: 'Two', version: 2 });
    expect(loadProfile(s3, ID, { version: 1 })!.profile).toMatchObject({ name: 'Seeker', version: 1 });
    expect(loadProfile([], ID)).toBeUndefined();
  });

  it('adds a run report once, moving the version but not the fields', () => {
    const { state, stream } = created();
    const added = decideAddReport(state, { run_id: 'r1', tier: 'standard', report: { score: 1 } });
    expect(added).toEqual([{ type: 'IntelligenceReportAdded', data: { run_id: 'r1', tier: 'standard', report: { score: 1 } } }]);
    const next = loadProfile([...stream, ...store(added, 1)], ID)!;
    expect(next.profile).toEqual({ ...state.profile, version: 2, updated_at: next.profile.updated_at });
    expect(decideAddReport(next, { run_id: 'r1', tier: 'standard', report: {} })).toEqual([]);
  });

  it('refuses a stream that does not start with ProfileCreated', () => {
    const [update] = store([{ type: 'ProfileUpdated', data: { name: 'x' } }], 0);
    expect(() => applyEvent(undefined, update)).toThrow(ProfileStateError);
    const { state, stream } = created();
    expect(() => applyEvent(state, stream[0])).toThrow(ProfileStateError);
  });

  it('folds any valid patch to the patch merged over the profile', () => {
    const patchArb = fc.record(
      {
        name: fc.string({ minLength: 1, maxLength: 20 }).filter((s) => s.trim() === s && s.length > 0),
        mission: fc.string({ minLength: 1, maxLength: 20 }).filter((s) => s.trim() === s && s.length > 0),
        states: fc.array(fc.constantFrom('VA', 'MD', 'NY'), { maxLength: 3 }),
        ein: fc.option(fc.stringMatching(/^\d{9}$/), { nil: null }),
        revenue_max: fc.option(fc.integer({ min: 100, max: 10_000 }), { nil: null }),
      },
      { requiredKeys: [] },
    );
    fc.assert(
      fc.property(patchArb, (raw) => {
        fc.pre(Object.keys(raw).length > 0);
        const patch: PatchProfileBody = PatchProfileBodySchema.parse(raw);
        const { state, stream } = created();
        const next = loadProfile([...stream, ...store(decideUpdate(state, patch), 1)], ID)!;
        const { version: _v, updated_at: _u, ...fields } = next.profile;
        const { version: _v0, updated_at: _u0, ...before } = state.profile;
        expect(fields).toEqual({ ...before, ...patch });
      }),
    );
  });
});
