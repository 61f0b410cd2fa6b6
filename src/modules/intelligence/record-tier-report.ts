// The run-finished hook that records a completed tier run's report on its profile, in the run's own transaction.
//
// Only runs started by this module count (metadata `profile_id` + `tier`); a run that failed,
// was compensated or cancelled records nothing, and its own `error` says why. The report event
// commits with the run's final status or not at all. No notification is published here: the
// orchestrator announces the same transaction's SagaCompleted on the `events` channel after
// commit, which wakes the profiles projection, and it reads every event committed since.
//
// How it fails: a throw here rolls back the run's finish and the task finish is retried, so the
// report is built leniently (see intelligence-report.ts). On Postgres a concurrent append to the
// same profile at that moment aborts the transaction; the finish is then retried as a whole.

import type { Tx } from '../../platform/db';
import type { Logger } from '../../platform/logger';
import type { Profiles, RecordedReport } from '../profiles/profiles';
import type { WorkflowRun } from '../workflows/workflow-run';
import { ProfileNotFoundError } from '../profiles/profile-errors';
import { buildIntelligenceReport } from './intelligence-report';
import { isIntelligenceTier, workflowIdOfTier } from './intelligence-tier';
import { readTierStepOutputs } from './read-tier-step-outputs';

/** The metadata a tier run carries (set by startTierRun). */
export interface TierRunMetadata {
  profile_id: string;
  tier: string;
}

/** The run's tier metadata when it is a tier run: a known tier whose workflow this run is. */
export function tierRunMetadataOf(run: WorkflowRun): TierRunMetadata | undefined {
  const { profile_id, tier } = run.metadata;
  if (typeof profile_id !== 'string' || typeof tier !== 'string' || !isIntelligenceTier(tier)) return undefined;
  // Other modules may use the same metadata names on their own workflows; those runs are not ours.
  return run.workflow_id === workflowIdOfTier(tier) ? { profile_id, tier } : undefined;
}

export interface RecordTierReportOptions {
  profiles: Pick<Profiles, 'recordIntelligenceReport'>;
  logger: Logger;
}

export function recordTierReport(opts: RecordTierReportOptions): (trx: Tx, run: WorkflowRun) => Promise<void> {
  const log = opts.logger.child('intelligence');
  return async (trx, run) => {
    const tierRun = tierRunMetadataOf(run);
    if (!tierRun || run.status !== 'completed') return;
    const outputs = await readTierStepOutputs(trx, run);
    const report = buildIntelligenceReport({ id: run.id, tier: tierRun.tier, finishedAt: run.finished_at ?? run.updated_at }, outputs);
    if (report.warnings.length > 0) log.warn('tier report built from incomplete step outputs', { run_id: run.id, warnings: report.warnings });
    let recorded: RecordedReport;
    try {
      recorded = await opts.profiles.recordIntelligenceReport(tierRun.profile_id, run.id, tierRun.tier, report, trx);
    } catch (err) {
      // Only a run started elsewhere with a made-up profile id gets here (startTierRun loads the
      // profile first, and profiles are never deleted). Nothing was written, so the run may finish.
      if (!(err instanceof ProfileNotFoundError)) throw err;
      log.warn('tier run names no existing profile; no report recorded', { run_id: run.id, profile_id: tierRun.profile_id });
      return;
    }
    if (recorded.appended) log.info('intelligence report appended; it commits with the run', { run_id: run.id, profile_id: tierRun.profile_id, tier: tierRun.tier });
  };
}
