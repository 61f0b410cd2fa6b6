// `bmf_filter`: the builtin agent that filters the IRS EO Business Master File for a profile or explicit filters.
import { stat } from 'node:fs/promises';
import { z } from 'zod';
import { PermanentAgentError } from '../modules/agents/agent-errors';
import type { BuiltinAgent } from '../modules/agents/builtin-agent';
import { grantProfileSchema, parseAgentInput } from './agent-input-schemas';
import {
  BmfDataNotFoundError,
  BmfHeaderError,
  filterBmf,
  InvalidFiltersError,
  MAX_LIMIT,
  type BmfFilterResult,
  type BmfFilters,
} from './bmf-filter';
import { InvalidAgentInputError } from './invalid-agent-input-error';
import type { GrantProfile } from './profile';

export const BMF_FILTER_AGENT_ID = 'bmf_filter';

export interface BmfFilterAgentOptions {
  /** A BMF .csv file or a folder of them (config: domain.bmfDataPath). */
  dataPath: string;
}

// Strict at the top level so a misspelt filter ("state") is reported instead of silently ignored.
const filterInputSchema = z.strictObject({
  profile: grantProfileSchema.nullish(),
  states: z.array(z.string()).nullish(),
  ntee_prefixes: z.array(z.string()).nullish(),
  subsection: z.string().nullish(),
  foundation_codes: z.array(z.string()).nullish(),
  revenue_min: z.number().nullish(),
  revenue_max: z.number().nullish(),
  asset_min: z.number().nullish(),
  asset_max: z.number().nullish(),
  name_contains: z.string().nullish(),
  ruling_year_min: z.number().int().nullish(),
  ruling_year_max: z.number().int().nullish(),
  sort_by: z.enum(['revenue', 'assets', 'name', 'ruling']).nullish(),
  sort_order: z.enum(['asc', 'desc']).nullish(),
  limit: z.number().int().min(1).max(MAX_LIMIT).nullish(),
});
type FilterInput = z.output<typeof filterInputSchema>;

/**
 * Action `filter`. Input: BmfFilters, optionally with `profile`; a filter the input leaves out
 * (absent or null) is taken from the profile: states ← profile.states, ntee_prefixes ←
 * profile.focus_areas, revenue_min/revenue_max ← the profile's revenue range. An explicit
 * filter, even an empty list, wins over the profile. Output: the BmfFilterResult.
 *
 * Failures: bad input, a missing data path or a file that is not a BMF extract throw
 * PermanentAgentError (retrying cannot help; the last two are deployment mistakes). Other I/O
 * errors propagate and are retried; an aborted call rethrows the signal's reason.
 */
export function createBmfFilterAgent(opts: BmfFilterAgentOptions): BuiltinAgent {
  return {
    config: {
      id: BMF_FILTER_AGENT_ID,
      name: 'BMF filter',
      capabilities: ['bmf_filter', 'discovery'],
      endpoint: `builtin://${BMF_FILTER_AGENT_ID}`,
      version: '1.0.0',
      health_check_url: '',
      metadata: { description: 'Filters the IRS EO Business Master File by state, NTEE code, revenue and more' },
    },
    async execute({ action, input, signal }): Promise<BmfFilterResult> {
      if (action !== 'filter') {
        throw new PermanentAgentError(`${BMF_FILTER_AGENT_ID} has no action "${action}" (filter)`, { agentId: BMF_FILTER_AGENT_ID });
      }
      const filters = toBmfFilters(parseAgentInput(BMF_FILTER_AGENT_ID, filterInputSchema, input ?? {}));
      try {
        return await filterBmf(opts.dataPath, filters, { signal });
      } catch (err) {
        if (signal.aborted) throw signal.reason;
        if (err instanceof InvalidFiltersError) throw new InvalidAgentInputError(BMF_FILTER_AGENT_ID, err.problems);
        if (err instanceof BmfDataNotFoundError || err instanceof BmfHeaderError) {
          throw new PermanentAgentError(`${err.message} (check BMF_DATA_PATH)`, { agentId: BMF_FILTER_AGENT_ID });
        }
        throw err;
      }
    },
    async health() {
      try {
        await stat(opts.dataPath);
        return { healthy: true, message: `BMF data at ${opts.dataPath}` };
      } catch {
        return { healthy: false, message: `BMF data not found at ${opts.dataPath}` };
      }
    },
  };
}

/** Explicit filters, with the gaps filled from the profile; nulls become "no filter". */
export function toBmfFilters(input: FilterInput): BmfFilters {
  const { profile, ...given } = input;
  const filters: BmfFilters = {};
  for (const [key, value] of Object.entries(given)) {
    if (value !== null && value !== undefined) Object.assign(filters, { [key]: value });
  }
  if (profile) fillFromProfile(filters, profile);
  return filters;
}

function fillFromProfile(filters: BmfFilters, profile: GrantProfile): void {
  // An empty profile list means "no preference", which is also what an absent filter means.
  if (filters.states === undefined && profile.states.length > 0) filters.states = profile.states;
  if (filters.ntee_prefixes === undefined && profile.focus_areas.length > 0) filters.ntee_prefixes = profile.focus_areas;
  if (filters.revenue_min === undefined && profile.revenue_min != null) filters.revenue_min = profile.revenue_min;
  if (filters.revenue_max === undefined && profile.revenue_max != null) filters.revenue_max = profile.revenue_max;
}
