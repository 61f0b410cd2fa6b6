// Public surface of the ai_heavy agent.
export { fallbackScore, fallbackScores, FALLBACK_WEIGHTS } from './fallback-score';
export { scoreCandidates, type ScoreCandidatesInput } from './score-candidates';
export { createChatCompletionsClient, type ChatCompletionsClientOptions } from './chat-completions-client';
export type {
  ChatCompletion,
  ChatCompletionChoice,
  ChatCompletionRequest,
  ChatCompletionsClient,
  ChatCompletionUsage,
  ChatMessage,
} from './chat-completion-types';
export type { CandidateScore, ScoreFactors, ScoringResult } from './candidate-score';
export { ChatCompletionError, InvalidModelOutputError, type ChatCompletionFailure } from './errors';
export { buildScoringMessages } from './score-prompt';
