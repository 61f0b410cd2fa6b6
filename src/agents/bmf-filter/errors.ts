// Typed failures of the BMF filter: missing data, a file that is not a BMF extract, unusable filters.
import { AgentError } from '../agent-error';

/** The file or folder to scan does not exist, or the folder holds no .csv files. */
export class BmfDataNotFoundError extends AgentError {
  constructor(
    readonly path: string,
    reason: string,
    options?: { cause?: unknown },
  ) {
    super(`BMF data not found at ${path}: ${reason}`, options);
  }
}

/**
 * A file's header lacks BMF columns, so no row of it can be read. This is fatal (unlike a
 * malformed row) because it means the wrong file was pointed at, not a quirk of one record.
 */
export class BmfHeaderError extends AgentError {
  constructor(
    readonly path: string,
    readonly missingColumns: string[],
    reason = `header lacks ${missingColumns.join(', ')}`,
  ) {
    super(`${path} is not an EO BMF extract: ${reason}`);
  }
}

/** The filters cannot be applied; `problems` lists every reason, one sentence each. */
export class InvalidFiltersError extends AgentError {
  constructor(readonly problems: string[]) {
    super(`Invalid BMF filters: ${problems.join('; ')}`);
  }
}
