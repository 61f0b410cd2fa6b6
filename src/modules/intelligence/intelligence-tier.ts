// The intelligence tiers a profile can be run through, and the workflow definition each one runs.

/** Tier names as the API spells them; each runs the stored workflow `tier-<name>` (from WORKFLOWS_DIR). */
export const INTELLIGENCE_TIERS = ['current', 'standard'] as const;
export type IntelligenceTier = (typeof INTELLIGENCE_TIERS)[number];

export const TIER_WORKFLOW_PREFIX = 'tier-';

export function isIntelligenceTier(value: string): value is IntelligenceTier {
  return (INTELLIGENCE_TIERS as readonly string[]).includes(value);
}

export function workflowIdOfTier(tier: IntelligenceTier): string {
  return `${TIER_WORKFLOW_PREFIX}${tier}`;
}
