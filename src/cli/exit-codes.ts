// The exit codes scripts can rely on, and which error ends in which code.

import { ApiError, ApiUnreachableError, DatabaseUnreachableError, UsageError } from './cli-errors';

export const ExitCode = {
  /** Done. */
  ok: 0,
  /** The API answered with an error, the database refused, or a waited-for task/run did not succeed. */
  failure: 1,
  /** Bad command line: unknown command or flag, missing or malformed value. */
  usage: 2,
  /** Cannot reach the API (no answer, or 502/503/504) or the database. Worth retrying. */
  unreachable: 3,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

const UNAVAILABLE_STATUSES = new Set([502, 503, 504]);

export function exitCodeFor(err: unknown): ExitCode {
  if (err instanceof UsageError) return ExitCode.usage;
  if (err instanceof ApiUnreachableError || err instanceof DatabaseUnreachableError) return ExitCode.unreachable;
  if (err instanceof ApiError && UNAVAILABLE_STATUSES.has(err.status)) return ExitCode.unreachable;
  return ExitCode.failure;
}
