// The aggregated intelligence report of one tier run, and its pure construction from the run's step outputs.
//
// Step outputs are parsed leniently (each step's own shape, extra fields ignored): the report is
// built inside the transaction that finishes the run, and a throw there would roll that finish
// back and retry it forever. A step whose output is missing or unrecognisable leaves its section
// empty and is named in `warnings` instead.

import { z } from 'zod';

/** How many scored candidates the report keeps. */
export const TOP_MATCHES = 10;

export const TopMatchSchema = z.object({
  ein: z.string(),
  name: z.string(),
  state: z.string().nullable(),
  ntee_code: z.string().nullable(),
  revenue_amount: z.number().nullable(),
  score: z.number(),
  rationale: z.string(),
});
export type TopMatch = z.infer<typeof TopMatchSchema>;

const HopSchema = z.object({ from: z.string(), to: z.string(), people: z.array(z.string()) });

export const NetworkPathSchema = z.object({
  candidate_ein: z.string(),
  /** The candidate's name from the BMF results (or the network), when known. */
  name: z.string().nullable(),
  /** Hops from the profile's organization. */
  length: z.number().int(),
  eins: z.array(z.string()),
  hops: z.array(HopSchema),
});
export type NetworkPathEntry = z.infer<typeof NetworkPathSchema>;

const ClusterSchema = z.object({
  id: z.number().int(),
  size: z.number().int(),
  members: z.array(z.object({ ein: z.string(), name: z.string().nullable() })),
});

export const NetworkSectionSchema = z.object({
  /** Connected groups of the matched organizations (and the profile's), largest first. */
  clusters: z.array(ClusterSchema),
  /** Shortest board-interlock paths from the profile's organization, shortest first; reachable ones only. */
  paths: z.array(NetworkPathSchema),
  /** Organizations in the network no board link reaches from the profile's organization. */
  unreachable: z.number().int(),
  /** False when the profile has no EIN, so no paths could be computed. */
  profile_in_network: z.boolean(),
});
export type NetworkSection = z.infer<typeof NetworkSectionSchema>;

export const IntelligenceReportSchema = z
  .object({
    tier: z.string(),
    run_id: z.string(),
    generated_at: z.string(),
    /** Best first (score desc, then EIN), at most TOP_MATCHES. */
    top_matches: z.array(TopMatchSchema),
    /** True when the scores come from the deterministic fallback instead of a model. */
    degraded: z.boolean(),
    degraded_reason: z.string().nullable(),
    /** The model that scored, null for the fallback. */
    model: z.string().nullable(),
    /** Present when the tier has a network step. */
    network: NetworkSectionSchema.optional(),
    filter: z.object({ matched: z.number().int(), scanned: z.number().int() }),
    /** Steps whose output could not be used (empty for a healthy run). */
    warnings: z.array(z.string()),
  })
  .meta({ id: 'IntelligenceReport' });
export type IntelligenceReport = z.infer<typeof IntelligenceReportSchema>;

// What the report needs of each builtin agent's output (bmf_filter, ai_heavy, network_analyzer).
const FilterOutputSchema = z.object({
  organizations: z.array(
    z.object({
      ein: z.string(),
      name: z.string(),
      state: z.string().nullish(),
      ntee_code: z.string().nullish(),
      revenue_amount: z.number().nullish(),
    }),
  ),
  matched: z.number(),
  scanned: z.number(),
});
const ScoreOutputSchema = z.object({
  scores: z.array(z.object({ ein: z.string(), name: z.string(), score: z.number(), rationale: z.string() })),
  model: z.string().nullish(),
  degraded: z.boolean(),
  degraded_reason: z.string().nullish(),
});
const NetworkOutputSchema = z.object({
  clusters: z.array(ClusterSchema),
  paths: z
    .array(z.object({ candidate_ein: z.string(), path: z.object({ eins: z.array(z.string()), hops: z.array(HopSchema), length: z.number() }).nullable() }))
    .nullable(),
});

/** Which step of a tier workflow plays which part, by agent (step ids are the definition's choice). */
export interface TierStepOutputs {
  /** Output of the bmf_filter step, if the run has one. */
  filter?: unknown;
  /** Output of the ai_heavy step. */
  score?: unknown;
  /** Output of the network_analyzer step; undefined when the tier has none. */
  network?: unknown;
  /** True when the tier's definition has a network step (even if its output is missing). */
  hasNetworkStep: boolean;
}

export interface ReportRun {
  id: string;
  tier: string;
  /** When the run finished (ms since epoch); the report's generated_at. */
  finishedAt: number;
}

export function buildIntelligenceReport(run: ReportRun, outputs: TierStepOutputs): IntelligenceReport {
  const warnings: string[] = [];
  const parse = <S extends z.ZodType>(what: string, schema: S, value: unknown): z.output<S> | undefined => {
    if (value === undefined) {
      warnings.push(`${what}: no output`);
      return undefined;
    }
    const parsed = schema.safeParse(value);
    if (parsed.success) return parsed.data;
    warnings.push(`${what}: unrecognised output (${parsed.error.issues[0]?.message ?? 'invalid'})`);
    return undefined;
  };
  const filter = parse('filter step', FilterOutputSchema, outputs.filter);
  const score = parse('score step', ScoreOutputSchema, outputs.score);
  const network = outputs.hasNetworkStep ? parse('network step', NetworkOutputSchema, outputs.network) : undefined;

  const organizations = new Map((filter?.organizations ?? []).map((o) => [o.ein, o] as const));
  const top_matches: TopMatch[] = [...(score?.scores ?? [])]
    .sort((a, b) => b.score - a.score || (a.ein < b.ein ? -1 : a.ein > b.ein ? 1 : 0))
    .slice(0, TOP_MATCHES)
    .map((s) => {
      const org = organizations.get(s.ein);
      return {
        ein: s.ein,
        name: s.name || org?.name || s.ein,
        state: org?.state ?? null,
        ntee_code: org?.ntee_code ?? null,
        revenue_amount: org?.revenue_amount ?? null,
        score: s.score,
        rationale: s.rationale,
      };
    });

  const report: IntelligenceReport = {
    tier: run.tier,
    run_id: run.id,
    generated_at: new Date(run.finishedAt).toISOString(),
    top_matches,
    // Without a usable score step nothing was scored by a model: say so rather than claim otherwise.
    degraded: score?.degraded ?? true,
    degraded_reason: score ? (score.degraded_reason ?? null) : 'no_scores',
    model: score?.model ?? null,
    filter: { matched: filter?.matched ?? 0, scanned: filter?.scanned ?? 0 },
    warnings,
  };
  if (outputs.hasNetworkStep) report.network = networkSection(network, organizations);
  return report;
}

function networkSection(
  network: z.output<typeof NetworkOutputSchema> | undefined,
  organizations: ReadonlyMap<string, { name: string }>,
): NetworkSection {
  if (!network) return { clusters: [], paths: [], unreachable: 0, profile_in_network: false };
  const names = new Map<string, string | null>();
  for (const c of network.clusters) for (const m of c.members) names.set(m.ein, m.name);
  const paths: NetworkPathEntry[] = [];
  let unreachable = 0;
  for (const p of network.paths ?? []) {
    if (!p.path) {
      unreachable++;
      continue;
    }
    paths.push({
      candidate_ein: p.candidate_ein,
      name: organizations.get(p.candidate_ein)?.name ?? names.get(p.candidate_ein) ?? null,
      length: p.path.length,
      eins: p.path.eins,
      hops: p.path.hops,
    });
  }
  paths.sort((a, b) => a.length - b.length || (a.candidate_ein < b.candidate_ein ? -1 : a.candidate_ein > b.candidate_ein ? 1 : 0));
  return { clusters: network.clusters, paths, unreachable, profile_in_network: network.paths !== null };
}
