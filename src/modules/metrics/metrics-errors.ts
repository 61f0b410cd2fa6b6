// Metrics wired in the wrong order in the composition root (a programming error, found at start-up).

export class MetricsWiringError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MetricsWiringError';
  }
}
