// Typed failures of the ai_heavy agent: a failed chat-completions call, and unusable model output.
import { AgentError } from '../agent-error';

/**
 * How the call failed: 'http' = the server answered non-2xx; 'timeout' = no complete answer
 * within timeoutMs; 'network' = no answer at all (refused, reset, DNS); 'invalid_response' =
 * a 2xx whose body is not a chat completion (often a wrong baseUrl pointing at a web page).
 */
export type ChatCompletionFailure = 'http' | 'timeout' | 'network' | 'invalid_response';

/**
 * `status`, `type`, `param` and `code` come from the server's `{"error": {...}}` body when there
 * is one (null otherwise). `retryable` is true for 408, 409, 429, 5xx, timeouts and network
 * errors — the same request may succeed later; false for 4xx such as 400/401/403/404/422 and
 * for invalid 2xx bodies, where repeating the request cannot help.
 */
export class ChatCompletionError extends AgentError {
  readonly kind: ChatCompletionFailure;
  readonly status: number | null;
  readonly type: string | null;
  readonly param: string | null;
  readonly code: string | null;
  readonly retryable: boolean;
  /** From a numeric Retry-After header (429/503), in milliseconds; null when absent. */
  readonly retryAfterMs: number | null;

  constructor(
    message: string,
    details: {
      kind: ChatCompletionFailure;
      status?: number | null;
      type?: string | null;
      param?: string | null;
      code?: string | null;
      retryable: boolean;
      retryAfterMs?: number | null;
      cause?: unknown;
    },
  ) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.kind = details.kind;
    this.status = details.status ?? null;
    this.type = details.type ?? null;
    this.param = details.param ?? null;
    this.code = details.code ?? null;
    this.retryable = details.retryable;
    this.retryAfterMs = details.retryAfterMs ?? null;
  }
}

/** HTTP statuses where the same request may succeed later. */
export function isRetryableStatus(status: number): boolean {
  return status === 408 || status === 409 || status === 429 || status >= 500;
}

/**
 * The model answered, but not with the JSON asked for: not JSON, wrong shape, candidates
 * missing, unknown or duplicated. `retryable` is false: at the low temperature used for
 * scoring the same prompt tends to produce the same broken output, so the caller should switch
 * to the deterministic fallback (`fallbackScores`) rather than spend another call.
 * `content` holds the start of the raw reply (up to 2,000 characters) for the logs.
 */
export class InvalidModelOutputError extends AgentError {
  readonly retryable = false;
  constructor(
    readonly problems: string[],
    readonly content: string | null,
    readonly model: string,
  ) {
    super(`Model ${model} returned unusable scores: ${problems.slice(0, 5).join('; ')}${problems.length > 5 ? ` (+${problems.length - 5} more)` : ''}`);
  }
}
