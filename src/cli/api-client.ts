// A small fetch wrapper for the Catalynx REST API: bearer key, JSON in and out, and typed errors
// (ApiError for an error answer, ApiUnreachableError when there is no answer at all).

import { ApiError, ApiUnreachableError, UsageError } from './cli-errors';

export interface ApiClientOptions {
  baseUrl: string;
  apiKey?: string;
  /** Per-request limit; a request still unanswered after it counts as unreachable. */
  timeoutMs?: number;
  fetch?: typeof fetch;
}

export interface ApiResponse<T> {
  status: number;
  body: T;
}

export interface RequestOptions {
  query?: Record<string, string | number | undefined>;
  json?: unknown;
  /** Overrides the client's timeout (long-poll requests wait longer). */
  timeoutMs?: number;
}

export interface ApiClient {
  readonly baseUrl: string;
  request<T>(method: 'GET' | 'POST' | 'DELETE', path: string, opts?: RequestOptions): Promise<ApiResponse<T>>;
  get<T>(path: string, opts?: RequestOptions): Promise<T>;
  post<T>(path: string, json?: unknown, opts?: RequestOptions): Promise<ApiResponse<T>>;
}

const DEFAULT_TIMEOUT_MS = 30_000;

export function createApiClient(opts: ApiClientOptions): ApiClient {
  const doFetch = opts.fetch ?? fetch;
  let base: URL;
  try {
    base = new URL(opts.baseUrl);
    if (base.protocol !== 'http:' && base.protocol !== 'https:') throw new Error('not http(s)');
  } catch {
    throw new UsageError(`not a valid API URL: "${opts.baseUrl}" (expected http://host:port)`);
  }
  const baseUrl = base.toString().replace(/\/+$/, '');

  async function request<T>(method: 'GET' | 'POST' | 'DELETE', path: string, ro: RequestOptions = {}): Promise<ApiResponse<T>> {
    const url = new URL(`${baseUrl}${path}`);
    for (const [k, v] of Object.entries(ro.query ?? {})) if (v !== undefined) url.searchParams.set(k, String(v));
    const headers: Record<string, string> = { accept: 'application/json' };
    if (opts.apiKey) headers.authorization = `Bearer ${opts.apiKey}`;
    if (ro.json !== undefined) headers['content-type'] = 'application/json';
    const timeoutMs = ro.timeoutMs ?? opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;

    let res: Response;
    let text: string;
    try {
      res = await doFetch(url, {
        method,
        headers,
        body: ro.json === undefined ? undefined : JSON.stringify(ro.json),
        signal: AbortSignal.timeout(timeoutMs),
      });
      text = await res.text();
    } catch (err) {
      throw new ApiUnreachableError(baseUrl, describeFetchFailure(err, timeoutMs), err);
    }

    let body: unknown = null;
    if (text) {
      try {
        body = JSON.parse(text);
      } catch {
        // A proxy's HTML error page or a non-Catalynx server: report what came back.
        if (res.ok) throw new ApiError(res.status, 'bad_response', `${method} ${path}: the answer is not JSON`, { method, path });
        body = text;
      }
    }
    if (!res.ok) throw toApiError(res.status, body, { method, path }, Boolean(opts.apiKey));
    return { status: res.status, body: body as T };
  }

  return {
    baseUrl,
    request,
    async get<T>(path: string, ro?: RequestOptions) {
      return (await request<T>('GET', path, ro)).body;
    },
    post<T>(path: string, json?: unknown, ro?: RequestOptions) {
      return request<T>('POST', path, { ...ro, json: json ?? {} });
    },
  };
}

function toApiError(status: number, body: unknown, req: { method: string; path: string }, hasKey: boolean): ApiError {
  const error = (body as { error?: { code?: unknown; message?: unknown; details?: unknown } } | null)?.error;
  const code = typeof error?.code === 'string' ? error.code : `http_${status}`;
  let message = typeof error?.message === 'string' ? error.message : typeof body === 'string' && body ? body.slice(0, 200) : `HTTP ${status}`;
  if (status === 401 && !hasKey) message += ' (no API key given: pass --key or set CATALYNX_API_KEY)';
  return new ApiError(status, code, message, req, error?.details);
}

/** fetch hides the socket error in `cause`; dig out something a person can act on. */
function describeFetchFailure(err: unknown, timeoutMs: number): string {
  if (err instanceof Error && (err.name === 'TimeoutError' || err.name === 'AbortError')) return `no answer within ${timeoutMs} ms`;
  const cause = err instanceof Error ? (err.cause as { code?: unknown; message?: unknown } | undefined) : undefined;
  if (cause && typeof cause.code === 'string') return cause.code === 'ECONNREFUSED' ? 'connection refused' : String(cause.code);
  if (cause && typeof cause.message === 'string') return cause.message;
  return err instanceof Error ? err.message : String(err);
}

/** Percent-encodes one path segment (ids come from the command line). */
export function segment(id: string): string {
  return encodeURIComponent(id);
}
