// Starts a profile's intelligence tier: loads the profile and starts the tier's workflow run with it.

import { NotFoundError } from '../../platform/errors';
import type { Profile } from '../profiles/profile';
import type { Profiles } from '../profiles/profiles';
import type { WorkflowServices } from '../workflows/wire-workflows';
import type { WorkflowRun } from '../workflows/workflow-run';
import { TierNotConfiguredError, UnknownTierError } from './intelligence-errors';
import { isIntelligenceTier, workflowIdOfTier } from './intelligence-tier';
import type { TierRunMetadata } from './record-tier-report';

export interface StartTierRunRequest {
  profileId: string;
  tier: string;
  /** Who the run is for (feature-flag rollouts of the scoring model key on it). */
  userId: string | null;
  /** A repeat with the same key for the same profile and tier returns the first run. */
  idempotencyKey?: string;
}

export interface StartedTierRun {
  run: WorkflowRun;
  created: boolean;
}

export interface StartTierRunOptions {
  profiles: Pick<Profiles, 'get'>;
  workflows: Pick<WorkflowServices, 'startRun' | 'store'>;
}

/** The profile as the tier agents read it (GrantProfile): identity, version and times left out. */
export function tierProfileInput(profile: Profile) {
  return {
    name: profile.name,
    organization: profile.organization,
    mission: profile.mission,
    ein: profile.ein,
    focus_areas: profile.focus_areas,
    states: profile.states,
    revenue_min: profile.revenue_min,
    revenue_max: profile.revenue_max,
  };
}

/**
 * Throws UnknownTierError (404) for a tier that does not exist, ProfileNotFoundError (404) for an
 * unknown profile and TierNotConfiguredError (503) when the tier's workflow is not stored.
 */
export async function startTierRun(opts: StartTierRunOptions, req: StartTierRunRequest): Promise<StartedTierRun> {
  if (!isIntelligenceTier(req.tier)) throw new UnknownTierError(req.tier);
  const workflowId = workflowIdOfTier(req.tier);
  const profile = await opts.profiles.get(req.profileId);
  const metadata: TierRunMetadata & Record<string, unknown> = { profile_id: profile.id, tier: req.tier };
  try {
    return await opts.workflows.startRun(
      workflowId,
      { profile: tierProfileInput(profile), user_id: req.userId },
      {
        metadata,
        // Run idempotency keys are per workflow; scoping by profile keeps two profiles' keys apart.
        idempotencyKey: req.idempotencyKey === undefined ? undefined : `profile:${profile.id}:${req.idempotencyKey}`,
      },
    );
  } catch (err) {
    if (err instanceof NotFoundError && !(await workflowExists(opts, workflowId))) throw new TierNotConfiguredError(req.tier, workflowId);
    throw err;
  }
}

async function workflowExists(opts: StartTierRunOptions, workflowId: string): Promise<boolean> {
  try {
    await opts.workflows.store.get(workflowId);
    return true;
  } catch {
    return false;
  }
}
