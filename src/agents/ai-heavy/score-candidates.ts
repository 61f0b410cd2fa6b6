// Scores candidate organizations for a profile with a chat-completions model, validated strictly.
import type { CandidateOrganization, GrantProfile } from '../profile';
import { byScoreDescending, type ScoringResult } from './candidate-score';
import type { ChatCompletionsClient } from './chat-completion-types';
import { parseModelScores } from './model-output';
import { buildScoringMessages } from './score-prompt';

export interface ScoreCandidatesInput {
  profile: GrantProfile;
  candidates: CandidateOrganization[];
  model: string;
  client: ChatCompletionsClient;
  signal?: AbortSignal;
  /** Default 0: scoring should be as repeatable as the model allows. */
  temperature?: number;
}

/**
 * One model call for all candidates (the caller batches large lists). Candidates repeating an
 * EIN are asked about once. With no candidates, no call is made.
 *
 * Throws ChatCompletionError (transport/HTTP; see `retryable`) or InvalidModelOutputError
 * (unusable reply; never retryable). Falling back to `fallbackScores` is the caller's decision.
 * `model` in the result is the model the server says answered (it may differ from the alias asked for).
 */
export async function scoreCandidates(input: ScoreCandidatesInput): Promise<ScoringResult> {
  const candidates = [...new Map(input.candidates.map((c) => [c.ein, c] as const)).values()];
  if (candidates.length === 0) return { scores: [], model: input.model, degraded: false };

  const completion = await input.client.complete({
    model: input.model,
    messages: buildScoringMessages(input.profile, candidates),
    temperature: input.temperature ?? 0,
    response_format: { type: 'json_object' },
    signal: input.signal,
  });
  const choice = completion.choices[0];
  const model = completion.model || input.model;
  const scores = parseModelScores(choice?.message.content ?? null, candidates, {
    model,
    finishReason: choice?.finish_reason ?? null,
  });
  return { scores: scores.sort(byScoreDescending), model, degraded: false };
}
