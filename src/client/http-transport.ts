// One HTTP exchange with the Catalynx API: the key, JSON in and out, a per-request timeout, typed
// errors (CatalynxApiError for an error answer, CatalynxNetworkError for no answer), and bounded
// retries of a 429 after its Retry-After (a 429 is refused before any work, so retrying is safe).

import { CatalynxApiError } from './catalynx-api-error';
import { CatalynxNetworkError } from './catalynx-network-error';
import { ClientOptionsError } from './client-options-error';
import { parseRetryAfter } from './retry-after';

export type HttpMethod = 'get' | 'post' | 'put' | 'patch' | 'delete';

export interface TransportOptions {
  /** Where the API is served, e.g. `http://127.0.0.1:3000`. */
  baseUrl: string;
  /** Sent as `Authorization: Bearer <key>`. */
  apiKey?: string;
  /** Per-request limit (default 30 s); a request still unanswered after it is a CatalynxNetworkError. */
  timeoutMs?: number;
  /** How many times a 429 is retried after its Retry-After before it is thrown (default 3). */
  maxRateLimitRetries?: number;
  /** The longest Retry-After the client waits out (default 30 s); a longer one is thrown at once. */
  maxRetryAfterMs?: number;
  fetch?: typeof fetch;
  /** How the client waits between retries (tests pass a recording one). */
  sleep?: (ms: number) => Promise<void>;
}

export interface TransportRequest {
  method: HttpMethod;
  /** The concrete path, parameters filled in and encoded. */
  path: string;
  query?: Record<string, string | number | boolean | undefined>;
  body?: unknown;
  headers?: Record<string, string>;
  timeoutMs?: number;
  /** Statuses besides 2xx answered as data rather than thrown (GET /health answers 503 with a body). */
  acceptStatuses?: readonly number[];
  /** `text` for routes that do not answer JSON (/metrics). */
  responseType?: 'json' | 'text';
  signal?: AbortSignal;
}

export interface TransportAnswer<T> {
  status: number;
  body: T;
  headers: Headers;
}

export interface Transport {
  readonly baseUrl: string;
  request<T>(req: TransportRequest): Promise<TransportAnswer<T>>;
}

const DEFAULT_TIMEOUT_MS = 30_000;
const DEFAULT_RATE_LIMIT_RETRIES = 3;
const DEFAULT_MAX_RETRY_AFTER_MS = 30_000;

export function createTransport(opts: TransportOptions): Transport {
  const doFetch = opts.fetch ?? fetch;
  const sleep = opts.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const maxRetries = opts.maxRateLimitRetries ?? DEFAULT_RATE_LIMIT_RETRIES;
  const maxRetryAfterMs = opts.maxRetryAfterMs ?? DEFAULT_MAX_RETRY_AFTER_MS;
  let base: URL;
  try {
    base = new URL(opts.baseUrl);
  } catch {
    throw new ClientOptionsError(`not a valid API URL: "${opts.baseUrl}" (expected http://host:port)`);
  }
  if (base.protocol !== 'http:' && base.protocol !== 'https:') {
    throw new ClientOptionsError(`not a valid API URL: "${opts.baseUrl}" (expected http://host:port)`);
  }
  const baseUrl = base.toString().replace(/\/+$/, '');

  async function once<T>(req: TransportRequest): Promise<{ answer: TransportAnswer<T> } | { retryAfter: number | undefined; error: CatalynxApiError }> {
    const where = { method: req.method.toUpperCase(), path: req.path };
    const url = new URL(`${baseUrl}${req.path}`);
    for (const [k, v] of Object.entries(req.query ?? {})) if (v !== undefined) url.searchParams.set(k, String(v));
    const headers: Record<string, string> = { accept: req.responseType === 'text' ? '*/*' : 'application/json', ...req.headers };
    if (opts.apiKey) headers.authorization = `Bearer ${opts.apiKey}`;
    if (req.body !== undefined) headers['content-type'] = 'application/json';
    const timeoutMs = req.timeoutMs ?? opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    const timeout = AbortSignal.timeout(timeoutMs);
    const signal = req.signal ? AbortSignal.any([req.signal, timeout]) : timeout;

    let res: Response;
    let text: string;
    try {
      res = await doFetch(url, { method: where.method, headers, body: req.body === undefined ? undefined : JSON.stringify(req.body), signal });
      text = await res.text();
    } catch (err) {
      // The caller's own abort is not a network failure: hand it back as it came.
      if (req.signal?.aborted) throw req.signal.reason ?? err;
      throw new CatalynxNetworkError(baseUrl, describeFetchFailure(err, timeoutMs), where, err);
    }

    const ok = (res.status >= 200 && res.status < 300) || (req.acceptStatuses ?? []).includes(res.status);
    let body: unknown = null;
    if (req.responseType === 'text') body = text;
    else if (text) {
      try {
        body = JSON.parse(text);
      } catch {
        // A proxy's HTML error page or a server that is not Catalynx: say what came back.
        if (ok) throw new CatalynxApiError(res.status, 'bad_response', `${where.method} ${where.path}: the answer is not JSON`, where);
        body = text;
      }
    }
    if (ok) return { answer: { status: res.status, body: body as T, headers: res.headers } };
    const retryAfter = parseRetryAfter(res.headers.get('retry-after'));
    return { retryAfter, error: toApiError(res.status, body, where, retryAfter) };
  }

  return {
    baseUrl,
    async request<T>(req: TransportRequest): Promise<TransportAnswer<T>> {
      for (let attempt = 0; ; attempt++) {
        const result = await once<T>(req);
        if ('answer' in result) return result.answer;
        const { error, retryAfter } = result;
        const waitMs = retryAfter === undefined ? undefined : retryAfter * 1000;
        if (error.status !== 429 || attempt >= maxRetries || waitMs === undefined || waitMs > maxRetryAfterMs) throw error;
        await sleep(waitMs);
      }
    },
  };
}

function toApiError(status: number, body: unknown, where: { method: string; path: string }, retryAfter: number | undefined): CatalynxApiError {
  const error = (body as { error?: { code?: unknown; message?: unknown; details?: unknown } } | null)?.error;
  const code = typeof error?.code === 'string' ? error.code : `http_${status}`;
  const message = typeof error?.message === 'string' ? error.message : typeof body === 'string' && body ? body.slice(0, 200) : `HTTP ${status}`;
  return new CatalynxApiError(status, code, message, where, error?.details, retryAfter);
}

/**
 * fetch hides the socket error in `cause`; dig out something a person can act on. Duck-typed, not
 * `instanceof Error`: fetch's errors come from Node's own realm, which a sandbox (a test runner's
 * vm context) does not share.
 */
function describeFetchFailure(err: unknown, timeoutMs: number): string {
  const e = (err ?? {}) as { name?: unknown; message?: unknown; cause?: { code?: unknown; message?: unknown } };
  if (e.name === 'TimeoutError' || e.name === 'AbortError') return `no answer within ${timeoutMs} ms`;
  if (typeof e.cause?.code === 'string') return e.cause.code === 'ECONNREFUSED' ? 'connection refused' : e.cause.code;
  if (typeof e.cause?.message === 'string') return e.cause.message;
  return typeof e.message === 'string' ? e.message : String(err);
}
