// The CLI's typed errors; exit-codes.ts maps each to the exit code scripts rely on.

import { UsageError } from './keys';

/** Bad arguments or flags (exit 2). The same class keys.ts's parser throws. */
export { UsageError };

/**
 * The client's errors, as the CLI names them: an error answer (exit 1, or 3 for 502/503/504) and
 * no answer at all (exit 3).
 */
export { CatalynxApiError as ApiError, CatalynxNetworkError as ApiUnreachableError } from '../client';

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
