// Typed platform errors that the HTTP layer maps to status codes in one place.

export class AppError extends Error {
  readonly status: number;
  readonly code: string;
  readonly details?: unknown;
  /** Headers the HTTP layer adds to the error response (e.g. Retry-After). */
  readonly headers?: Record<string, string>;

  constructor(status: number, code: string, message: string, opts: { details?: unknown; headers?: Record<string, string>; cause?: unknown } = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = new.target.name;
    this.status = status;
    this.code = code;
    this.details = opts.details;
    this.headers = opts.headers;
  }
}

export class ValidationError extends AppError {
  constructor(message: string, details?: unknown) {
    super(400, 'validation_failed', message, { details });
  }
}

export class NotFoundError extends AppError {
  constructor(what: string, id: string) {
    super(404, 'not_found', `${what} "${id}" was not found`, { details: { resource: what, id } });
  }
}

export class ConflictError extends AppError {
  constructor(message: string, details?: unknown) {
    super(409, 'conflict', message, { details });
  }
}

export class ServiceUnavailableError extends AppError {
  constructor(message: string, opts: { details?: unknown; retryAfterSeconds?: number; cause?: unknown } = {}) {
    super(503, 'service_unavailable', message, {
      details: opts.details,
      cause: opts.cause,
      headers: opts.retryAfterSeconds ? { 'Retry-After': String(opts.retryAfterSeconds) } : undefined,
    });
  }
}
