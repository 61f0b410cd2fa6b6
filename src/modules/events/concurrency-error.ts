// Raised when an append's expected version is stale, or an 'any' append met a concurrent one: another writer got there first.

import { ConflictError } from '../../platform/errors';

export class ConcurrencyConflictError extends ConflictError {
  constructor(
    readonly aggregateType: string,
    readonly aggregateId: string,
    readonly expectedVersion: number | 'any',
    readonly currentVersion: number,
  ) {
    const message =
      expectedVersion === 'any'
        ? `${aggregateType} "${aggregateId}" was appended to concurrently (now at version ${currentVersion})`
        : `${aggregateType} "${aggregateId}" is at version ${currentVersion}, not ${expectedVersion}`;
    super(message, {
      aggregate_type: aggregateType,
      aggregate_id: aggregateId,
      expected_version: expectedVersion,
      current_version: currentVersion,
    });
  }
}
