// Base class for the errors this folder throws, so callers can tell "the resilience layer refused or gave up" from an upstream's own error.

export class ResilienceError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}
