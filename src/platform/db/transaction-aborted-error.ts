// A Postgres transaction whose COMMIT was answered with ROLLBACK: one of its statements had failed.

export class TransactionAbortedError extends Error {
  constructor() {
    super('the transaction was aborted by an earlier failed statement and rolled back');
    this.name = 'TransactionAbortedError';
  }
}
