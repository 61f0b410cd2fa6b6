// Thrown by an action handler for a failure worth another attempt (a dependency is down): answered
// 503, which the worker retries with backoff. Any other error a handler throws is answered 500 and
// retried too; this class only names the case and its code.

export class RetryableError extends Error {
  constructor(
    message: string,
    readonly code: string = 'temporarily_unavailable',
  ) {
    super(message);
    this.name = 'RetryableError';
  }
}
