// The CLI's typed errors; exit-codes.ts maps each to the exit code scripts rely on.

import { UsageError } from './keys';

/** Bad arguments or flags (exit 2). The same class keys.ts's parser throws. */
export { UsageError };

/** The API answered with an error status (exit 1, or 3 for 502/503/504). */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly request: { method: string; path: string },
    readonly details?: unknown,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

/** No HTTP answer at all: connection refused, DNS failure, timeout (exit 3). */
export class ApiUnreachableError extends Error {
  constructor(readonly url: string, reason: string, cause?: unknown) {
    super(`cannot reach the API at ${url}: ${reason}`, { cause });
    this.name = 'ApiUnreachableError';
  }
}

/** The database named by DATABASE_URL cannot be opened or connected to (exit 3). */
export class DatabaseUnreachableError extends Error {
  constructor(readonly url: string, cause: unknown) {
    super(`cannot reach the database at ${url}: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
    this.name = 'DatabaseUnreachableError';
  }
}

/** A command ran but what it waited for ended badly (task failed, run compensated, wait timed out): exit 1. */
export class CommandFailedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CommandFailedError';
  }
}
