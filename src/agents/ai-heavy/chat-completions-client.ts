// Calls an OpenAI-compatible chat-completions endpoint (OpenAI, LM Studio, Ollama, vLLM) over fetch.
import { z } from 'zod';
import type { ChatCompletion, ChatCompletionRequest, ChatCompletionsClient } from './chat-completion-types';
import { ChatCompletionError, isRetryableStatus } from './errors';

export interface ChatCompletionsClientOptions {
  /** Up to and including the version segment, e.g. "http://127.0.0.1:1234/v1". */
  baseUrl: string;
  /** Sent as `Authorization: Bearer <apiKey>`; omitted when absent (local servers). */
  apiKey?: string;
  /** Injected for tests or instrumentation; defaults to the global fetch. */
  fetch?: typeof fetch;
  /** Whole-request budget (connect, wait, read body). */
  timeoutMs: number;
}

const completionSchema = z.object({
  id: z.string(),
  object: z.string().optional(),
  created: z.number().optional(),
  model: z.string(),
  choices: z
    .array(
      z.object({
        index: z.number().optional(),
        message: z.object({ role: z.string(), content: z.string().nullable().optional() }),
        finish_reason: z.string().nullable().optional(),
      }),
    )
    .min(1),
  usage: z
    .object({ prompt_tokens: z.number(), completion_tokens: z.number(), total_tokens: z.number() })
    .nullable()
    .optional(),
});

const errorBodySchema = z.object({
  error: z.union([
    z.object({
      message: z.string().optional(),
      type: z.string().nullable().optional(),
      param: z.string().nullable().optional(),
      code: z.union([z.string(), z.number()]).nullable().optional(),
    }),
    // Some local servers send {"error": "text"}.
    z.string(),
  ]),
});

/**
 * Each `complete` call is one POST {baseUrl}/chat/completions; there is no retry here — the
 * caller decides, using `ChatCompletionError.retryable`. Cancelling through `signal` rethrows the
 * signal's reason unchanged (a cancellation is not a failure of the server).
 */
export function createChatCompletionsClient(options: ChatCompletionsClientOptions): ChatCompletionsClient {
  if (!Number.isFinite(options.timeoutMs) || options.timeoutMs <= 0) {
    throw new RangeError(`timeoutMs must be a positive number, got ${options.timeoutMs}`);
  }
  const url = `${options.baseUrl.replace(/\/+$/, '')}/chat/completions`;
  // A malformed baseUrl is a configuration mistake; fail now rather than as a "retryable" network error.
  if (!URL.canParse(url)) throw new RangeError(`baseUrl is not a valid URL: ${options.baseUrl}`);
  const fetchImpl = options.fetch ?? fetch;

  return {
    async complete(request: ChatCompletionRequest): Promise<ChatCompletion> {
      request.signal?.throwIfAborted();
      const timeout = new AbortController();
      const timer = setTimeout(() => timeout.abort(), options.timeoutMs);
      const signal = request.signal ? AbortSignal.any([request.signal, timeout.signal]) : timeout.signal;
      const headers: Record<string, string> = { 'content-type': 'application/json', accept: 'application/json' };
      if (options.apiKey) headers.authorization = `Bearer ${options.apiKey}`;
      const body = JSON.stringify({
        model: request.model,
        messages: request.messages,
        temperature: request.temperature,
        response_format: request.response_format,
      });

      let status: number;
      let text: string;
      let retryAfter: string | null;
      try {
        const response = await fetchImpl(url, { method: 'POST', headers, body, signal });
        status = response.status;
        retryAfter = response.headers.get('retry-after');
        text = await response.text();
      } catch (err) {
        if (request.signal?.aborted) throw request.signal.reason;
        if (timeout.signal.aborted) {
          throw new ChatCompletionError(`No answer from ${url} within ${options.timeoutMs} ms`, {
            kind: 'timeout',
            retryable: true,
            cause: err,
          });
        }
        throw new ChatCompletionError(`Cannot reach ${url}: ${describe(err)}`, { kind: 'network', retryable: true, cause: err });
      } finally {
        clearTimeout(timer);
      }

      if (status < 200 || status > 299) throw httpError(url, status, text, retryAfter);
      return parseCompletion(url, status, text);
    },
  };
}

function httpError(url: string, status: number, text: string, retryAfter: string | null): ChatCompletionError {
  let message = text.trim().slice(0, 300) || '(empty body)';
  let type: string | null = null;
  let param: string | null = null;
  let code: string | null = null;
  const parsed = errorBodySchema.safeParse(safeJson(text));
  if (parsed.success) {
    const e = parsed.data.error;
    if (typeof e === 'string') message = e;
    else {
      message = e.message ?? message;
      type = e.type ?? null;
      param = e.param ?? null;
      code = e.code === null || e.code === undefined ? null : String(e.code);
    }
  }
  const seconds = retryAfter !== null && /^\d+(\.\d+)?$/.test(retryAfter.trim()) ? Number(retryAfter) : null;
  return new ChatCompletionError(`Chat completion failed with HTTP ${status}${type ? ` (${type})` : ''} from ${url}: ${message}`, {
    kind: 'http',
    status,
    type,
    param,
    code,
    retryable: isRetryableStatus(status),
    retryAfterMs: seconds === null ? null : Math.round(seconds * 1000),
  });
}

function parseCompletion(url: string, status: number, text: string): ChatCompletion {
  const parsed = completionSchema.safeParse(safeJson(text));
  if (!parsed.success) {
    throw new ChatCompletionError(
      `HTTP ${status} from ${url} is not a chat completion: ${text.trim().slice(0, 200) || '(empty body)'}`,
      { kind: 'invalid_response', status, retryable: false, cause: parsed.error },
    );
  }
  const data = parsed.data;
  return {
    id: data.id,
    object: 'chat.completion',
    created: data.created ?? 0,
    model: data.model,
    choices: data.choices.map((c, i) => ({
      index: c.index ?? i,
      message: { role: c.message.role, content: c.message.content ?? null },
      finish_reason: c.finish_reason ?? null,
    })),
    usage: data.usage ?? null,
  };
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** fetch wraps socket errors as TypeError("fetch failed") with the useful part in `cause`. */
function describe(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const cause = err.cause instanceof Error ? `: ${err.cause.message}` : '';
  return `${err.message}${cause}`;
}
