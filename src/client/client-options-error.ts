// The client was built with options it cannot work with (a base URL that is not http(s)).

export class ClientOptionsError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ClientOptionsError';
  }
}
