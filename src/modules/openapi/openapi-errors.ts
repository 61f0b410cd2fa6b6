// A declared route the OpenAPI document cannot describe (a schema zod cannot convert), with the route named.

export class OpenApiBuildError extends Error {
  constructor(
    message: string,
    /** "METHOD /path" of the route. */
    readonly route: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'OpenApiBuildError';
  }
}
