// Zod schemas for what the builtin grant-research agents receive, and the parse that turns issues into one permanent error.
//
// Workflow templates replace a missing value with null ("{{input.profile.ein}}" when the profile
// has no EIN), so optional fields accept null as well as absence. Objects that come from other
// steps (profiles from the profile store, organizations from bmf_filter) carry extra fields;
// those are stripped, not rejected.
import { z } from 'zod';
import type { CandidateOrganization, GrantProfile } from './profile';
import { InvalidAgentInputError } from './invalid-agent-input-error';

export const grantProfileSchema = z.object({
  name: z.string(),
  organization: z.string(),
  mission: z.string(),
  focus_areas: z.array(z.string()),
  states: z.array(z.string()),
  revenue_min: z.number().nullish(),
  revenue_max: z.number().nullish(),
  ein: z.string().nullish(),
}) satisfies z.ZodType<GrantProfile>;

export const candidateOrganizationSchema = z.object({
  ein: z.string().trim().min(1, 'must be a non-empty EIN'),
  name: z.string(),
  city: z.string().nullish(),
  state: z.string().nullish(),
  ntee_code: z.string().nullish(),
  revenue_amount: z.number().nullish(),
  asset_amount: z.number().nullish(),
}) satisfies z.ZodType<CandidateOrganization>;

/** Parses `input` or throws InvalidAgentInputError listing every issue with its path. */
export function parseAgentInput<S extends z.ZodType>(agentId: string, schema: S, input: unknown): z.output<S> {
  const parsed = schema.safeParse(input);
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.map((issue) => {
    const where = issue.path.map(String).join('.');
    return where === '' ? issue.message : `${where}: ${issue.message}`;
  });
  throw new InvalidAgentInputError(agentId, problems);
}
