// Raised when an append's expected version is stale: another writer got there first.

import { ConflictError } from '../../platform/errors';

export class ConcurrencyConflictError extends ConflictError {
  constructor(
    readonly aggregateType: string,
    readonly aggregateId: string,
    readonly expectedVersion: number,
    readonly currentVersion: number,
  ) {
    super(`${aggregateType} "${aggregateId}" is at version ${currentVersion}, not ${expectedVersion}`, {
      aggregate_type: aggregateType,
      aggregate_id: aggregateId,
      expected_version: expectedVersion,
      current_version: currentVersion,
    });
  }
}
