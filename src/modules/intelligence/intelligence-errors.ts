// Errors of the intelligence module, mapped to HTTP statuses by the platform's one error handler.

import { AppError, NotFoundError } from '../../platform/errors';
import { INTELLIGENCE_TIERS } from './intelligence-tier';

/** The URL names a tier that does not exist (404, nothing started). */
export class UnknownTierError extends NotFoundError {
  constructor(readonly tier: string) {
    super('intelligence tier', tier);
    this.message = `intelligence tier "${tier}" was not found (tiers: ${INTELLIGENCE_TIERS.join(', ')})`;
  }
}

/**
 * The tier exists but its workflow definition is not stored: WORKFLOWS_DIR is unset or lacks the
 * file. A deployment mistake, not a client one, hence 503 with the workflow named.
 */
export class TierNotConfiguredError extends AppError {
  constructor(readonly tier: string, readonly workflowId: string) {
    super(503, 'tier_not_configured', `intelligence tier "${tier}" needs the workflow "${workflowId}"; load it from WORKFLOWS_DIR`, {
      details: { tier, workflow_id: workflowId },
    });
  }
}
