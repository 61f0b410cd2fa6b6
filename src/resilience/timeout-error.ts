// The error withTimeout rejects with (and aborts the call's signal with) when the call outlives its time limit.

import { ResilienceError } from './resilience-error';

export class TimeoutError extends ResilienceError {
  /** The limit that was exceeded, in milliseconds. */
  readonly timeoutMs: number;
  /** What was being timed (e.g. "agent bmf_filter health check"), when the caller named it. */
  readonly label: string | undefined;

  constructor(timeoutMs: number, label?: string) {
    super(`${label ?? 'operation'} timed out after ${timeoutMs} ms`);
    this.timeoutMs = timeoutMs;
    this.label = label;
  }
}
