// Thrown by an action handler for a failure that retrying cannot fix (bad input, a refused request):
// answered 422, which the worker treats as permanent (the task fails at once, a saga compensates).

export class PermanentError extends Error {
  constructor(
    message: string,
    /** The `error.code` of the answer. */
    readonly code: string = 'permanent_failure',
    readonly details?: unknown,
  ) {
    super(message);
    this.name = 'PermanentError';
  }
}
