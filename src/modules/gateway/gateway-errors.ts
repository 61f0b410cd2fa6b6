// The gateway's refusals, as AppErrors so the HTTP layer maps them once: 401, 403, 429, 502, 503, 504, 400.

import { AppError } from '../../platform/errors';

/** No key, or a key that is unknown or revoked. The message never says which. */
export class UnauthenticatedError extends AppError {
  constructor(message = 'A valid API key is required: send "Authorization: Bearer <key>" or "X-API-Key: <key>"') {
    super(401, 'unauthenticated', message, { headers: { 'WWW-Authenticate': 'Bearer realm="catalynx"' } });
  }
}

/** A valid key that lacks the scope the route needs. */
export class ForbiddenError extends AppError {
  readonly requiredScope: string;
  constructor(requiredScope: string) {
    super(403, 'forbidden', `This API key lacks the scope "${requiredScope}" needed here`, { details: { required_scope: requiredScope } });
    this.requiredScope = requiredScope;
  }
}

export class RateLimitedError extends AppError {
  constructor(retryAfterSeconds: number, headers: Record<string, string>) {
    super(429, 'rate_limited', `Too many requests; retry after ${retryAfterSeconds} s`, {
      details: { retry_after_seconds: retryAfterSeconds },
      headers: { ...headers, 'Retry-After': String(retryAfterSeconds) },
    });
  }
}

/** Redis-backed limiting is down and the policy is to fail closed. */
export class RateLimiterUnavailableError extends AppError {
  constructor() {
    super(503, 'rate_limiter_unavailable', 'Rate limiting is unavailable, so requests are refused for now; try again shortly', {
      headers: { 'Retry-After': '5' },
    });
  }
}

/** An outbound URL refused by the outbound policy (SSRF guard). */
export class OutboundUrlRefusedError extends AppError {
  readonly url: string;
  constructor(url: string, reason: string) {
    super(400, 'outbound_url_refused', `The URL "${url}" is not allowed: ${reason}`, { details: { url, reason } });
    this.url = url;
  }
}

export class UpstreamTimeoutError extends AppError {
  constructor(service: string, timeoutMs: number) {
    super(504, 'upstream_timeout', `The service "${service}" did not answer within ${timeoutMs} ms`, { details: { service, timeout_ms: timeoutMs } });
  }
}

export class UpstreamFailedError extends AppError {
  constructor(service: string, reason: string, opts: { cause?: unknown } = {}) {
    super(502, 'bad_gateway', `The service "${service}" failed: ${reason}`, { details: { service }, cause: opts.cause });
  }
}

export class UpstreamCircuitOpenError extends AppError {
  constructor(service: string, retryAfterSeconds: number) {
    super(503, 'upstream_unavailable', `The service "${service}" keeps failing; calls are paused, retry after ${retryAfterSeconds} s`, {
      details: { service },
      headers: { 'Retry-After': String(retryAfterSeconds) },
    });
  }
}

/** A web process refusing to start because no API key exists anywhere (production). */
export class NoApiKeyConfiguredError extends Error {
  constructor() {
    super(
      'no API key is configured: set ADMIN_API_KEY, or create one with `node dist/src/cli/keys.js create --name admin --scopes admin`',
    );
    this.name = 'NoApiKeyConfiguredError';
  }
}
