// The benchmark harness's own errors: a wait that ran out, and a setup that cannot proceed.

export class BenchTimeoutError extends Error {
  constructor(readonly what: string, readonly timeoutMs: number) {
    super(`timed out after ${timeoutMs} ms waiting for ${what}`);
    this.name = 'BenchTimeoutError';
  }
}

/** A missing service URL, a bad database URL, an unknown task name, a missing repository root. */
export class BenchSetupError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BenchSetupError';
  }
}
