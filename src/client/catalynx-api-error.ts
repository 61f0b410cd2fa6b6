// The API answered with an error status: its `{error: {code, message, details}}` body, typed.

export class CatalynxApiError extends Error {
  constructor(
    readonly status: number,
    /** The API's error code (`not_found`, `validation_error`, …), or `http_<status>` when the body had none. */
    readonly code: string,
    message: string,
    readonly request: { method: string; path: string },
    readonly details?: unknown,
    /** From `Retry-After` on a 429 or 503 the client gave up retrying. */
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
    this.name = 'CatalynxApiError';
  }
}
