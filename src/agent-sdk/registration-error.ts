// serveAgent() could not register the agent with Catalynx before its deadline; the server was closed.

export class RegistrationError extends Error {
  constructor(message: string, cause?: unknown) {
    super(message, { cause });
    this.name = 'RegistrationError';
  }
}
