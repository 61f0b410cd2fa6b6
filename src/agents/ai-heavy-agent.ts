// `ai_heavy`: the builtin agent that scores candidates with a chat-completions model, degrading to deterministic scores.
//
// Which failures do what:
// - no AI endpoint configured, the in-process breaker open, or an answer that can never work
//   (unusable model output, a non-retryable HTTP status such as 400/401/404, a 2xx that is not a
//   completion) → the deterministic fallbackScores, marked `degraded: true` with a reason;
// - a retryable endpoint failure (5xx, 408/409/429, timeout, connection refused) → thrown as a
//   retryable AgentCallError so the task queue retries the task later. Only these count against
//   the breaker; after `failureThreshold` in a row it opens and calls fall back until the
//   recovery time has passed and one trial call succeeds.
// The breaker belongs to this agent instance (one per worker process).
import { z } from 'zod';
import { AgentCallError, PermanentAgentError } from '../modules/agents/agent-errors';
import type { BuiltinAgent } from '../modules/agents/builtin-agent';
import { CircuitBreaker, CircuitOpenError } from '../resilience';
import { candidateOrganizationSchema, grantProfileSchema, parseAgentInput } from './agent-input-schemas';
import {
  ChatCompletionError,
  createChatCompletionsClient,
  fallbackScores,
  InvalidModelOutputError,
  scoreCandidates,
  type ChatCompletionsClient,
} from './ai-heavy';
import { byScoreDescending, type CandidateScore } from './ai-heavy/candidate-score';
import type { CandidateOrganization, GrantProfile } from './profile';

export const AI_HEAVY_AGENT_ID = 'ai_heavy';
/** The feature flag that switches scoring to `ai.modelNext`. */
export const NEXT_MODEL_FLAG = 'gpt5_analysis';
export const MAX_CANDIDATES = 1000;
const DEFAULT_BATCH_SIZE = 25;

export interface AiSettings {
  /** OpenAI-compatible base URL up to the version segment; null = no model, always fall back. */
  baseUrl: string | null;
  apiKey: string | null;
  model: string;
  /** Used instead of `model` for users the NEXT_MODEL_FLAG is enabled for; null = never. */
  modelNext: string | null;
  /** Budget for one chat-completions request. */
  timeoutSeconds: number;
}

export interface AiHeavyAgentOptions {
  ai: AiSettings;
  isEnabled: (flag: string, context: { user_id?: string }) => boolean;
  /** Injected for tests or instrumentation; default the global fetch. */
  fetch?: typeof fetch;
  /** Clock for the circuit breaker (ms); default Date.now. */
  now?: () => number;
  /** Candidates per model call (one prompt must stay well within the context window); default 25. */
  batchSize?: number;
  /** Breaker tuning; defaults: 3 consecutive failures, 30 s recovery. */
  breaker?: { failureThreshold?: number; recoveryTimeoutMs?: number };
}

export type DegradedReason = 'no_ai_endpoint' | 'circuit_open' | 'invalid_model_output' | 'model_request_rejected';

export interface AiHeavyOutput {
  /** Best first; ties ordered by EIN. */
  scores: { ein: string; name: string; score: number; rationale: string }[];
  /** The model that answered (as the server names it), or null for the fallback. */
  model: string | null;
  degraded: boolean;
  degraded_reason?: DegradedReason;
}

const scoreInputSchema = z.strictObject({
  profile: grantProfileSchema,
  candidates: z.array(candidateOrganizationSchema).max(MAX_CANDIDATES),
  user_id: z.string().nullish(),
});

export function createAiHeavyAgent(opts: AiHeavyAgentOptions): BuiltinAgent {
  const batchSize = opts.batchSize ?? DEFAULT_BATCH_SIZE;
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new RangeError(`batchSize must be an integer >= 1, got ${batchSize}`);
  const client: ChatCompletionsClient | null = opts.ai.baseUrl
    ? createChatCompletionsClient({
        baseUrl: opts.ai.baseUrl,
        apiKey: opts.ai.apiKey ?? undefined,
        fetch: opts.fetch,
        timeoutMs: opts.ai.timeoutSeconds * 1000,
      })
    : null;
  const breaker = new CircuitBreaker({
    name: `agent:${AI_HEAVY_AGENT_ID}:model`,
    failureThreshold: opts.breaker?.failureThreshold ?? 3,
    recoveryTimeoutMs: opts.breaker?.recoveryTimeoutMs ?? 30_000,
    now: opts.now,
    // A 4xx or unusable output means the endpoint answered; only outages should open the breaker.
    isFailure: (err) => err instanceof ChatCompletionError && err.retryable,
  });

  const chooseModel = (userId: string | undefined, warn: (message: string, fields: Record<string, unknown>) => void): string => {
    if (opts.ai.modelNext === null || opts.ai.modelNext === '') return opts.ai.model;
    let enabled = false;
    try {
      enabled = opts.isEnabled(NEXT_MODEL_FLAG, userId === undefined ? {} : { user_id: userId });
    } catch (err) {
      // A broken flag source must not fail scoring; the current model is the safe choice.
      warn(`feature flag ${NEXT_MODEL_FLAG} could not be evaluated; using ${opts.ai.model}`, { error: err });
    }
    return enabled ? opts.ai.modelNext : opts.ai.model;
  };

  return {
    config: {
      id: AI_HEAVY_AGENT_ID,
      name: 'AI heavy scorer',
      capabilities: ['ai_heavy', 'scoring'],
      endpoint: `builtin://${AI_HEAVY_AGENT_ID}`,
      version: '1.0.0',
      health_check_url: '',
      metadata: { description: 'Scores candidate organizations against a profile with a language model' },
    },
    async execute({ action, input, signal, logger }): Promise<AiHeavyOutput> {
      if (action !== 'score') {
        throw new PermanentAgentError(`${AI_HEAVY_AGENT_ID} has no action "${action}" (score)`, { agentId: AI_HEAVY_AGENT_ID });
      }
      const args = parseAgentInput(AI_HEAVY_AGENT_ID, scoreInputSchema, input ?? {});
      const profile: GrantProfile = args.profile;
      // Asked about once per EIN, like scoreCandidates does, so both paths return the same set.
      const candidates = [...new Map(args.candidates.map((c) => [c.ein, c] as const)).values()];
      const fallback = (reason: DegradedReason, err?: unknown): AiHeavyOutput => {
        if (reason !== 'no_ai_endpoint') logger.warn(`ai_heavy falling back to deterministic scores: ${reason}`, { error: err });
        return { ...toOutput(fallbackScores(profile, candidates).scores, null, true), degraded_reason: reason };
      };
      if (client === null) return fallback('no_ai_endpoint');

      const model = chooseModel(args.user_id ?? undefined, (m, f) => logger.warn(m, f));
      const scores: CandidateScore[] = [];
      let answeredBy = model;
      try {
        for (let i = 0; i < candidates.length; i += batchSize) {
          const batch: CandidateOrganization[] = candidates.slice(i, i + batchSize);
          const result = await breaker.execute(() => scoreCandidates({ profile, candidates: batch, model, client, signal }));
          scores.push(...result.scores);
          answeredBy = result.model ?? model;
        }
      } catch (err) {
        if (signal.aborted) throw signal.reason;
        if (err instanceof CircuitOpenError) return fallback('circuit_open', err);
        if (err instanceof InvalidModelOutputError) return fallback('invalid_model_output', err);
        if (err instanceof ChatCompletionError) {
          if (!err.retryable) return fallback('model_request_rejected', err);
          throw new AgentCallError(`${AI_HEAVY_AGENT_ID}: ${err.message}`, true, { agentId: AI_HEAVY_AGENT_ID, status: err.status ?? undefined }, err);
        }
        throw err;
      }
      return toOutput(scores, answeredBy, false);
    },
    async health() {
      if (client === null) return { healthy: true, message: 'no AI endpoint configured; scores use the deterministic fallback' };
      const state = breaker.state;
      // Still healthy while open: the agent answers (degraded) instead of failing tasks.
      return { healthy: true, message: state === 'closed' ? 'model endpoint available' : `model breaker ${state}; scores may be degraded` };
    },
  };
}

function toOutput(scores: CandidateScore[], model: string | null, degraded: boolean): AiHeavyOutput {
  return {
    scores: [...scores].sort(byScoreDescending).map((s) => ({ ein: s.ein, name: s.name, score: s.score, rationale: s.rationale })),
    model,
    degraded,
  };
}
