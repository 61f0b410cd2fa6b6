// No HTTP answer at all (connection refused, DNS failure, reset, timeout): unlike CatalynxApiError,
// the request may or may not have reached the API.

export class CatalynxNetworkError extends Error {
  constructor(
    readonly url: string,
    /** What went wrong, in words a person can act on (`connection refused`, `no answer within 30000 ms`). */
    readonly reason: string,
    readonly request: { method: string; path: string },
    cause?: unknown,
  ) {
    super(`cannot reach the API at ${url}: ${reason}`, { cause });
    this.name = 'CatalynxNetworkError';
  }
}
