// The ordered list of migrations. Names sort in the order they run; never rename or reorder one that shipped.

import type { Migration } from 'kysely';
import type { MigrationDialect, MigrationFactory } from './migration-context';
import initial from './0001_initial';
import claimIndexes from './0002_claim_indexes';
import claimCapacityFunction from './0003_claim_capacity_function';
import claimFunctions from './0004_claim_functions';
import finishFromReturnedRows from './0005_finish_from_returned_rows';
import workflowGraphs from './0006_workflow_graphs';
import claimWithoutWaiting from './0007_claim_without_waiting';
import expectWritten from './0008_expect_written';
import finishAndNotify from './0009_finish_and_notify';
import finishAnswersIds from './0010_finish_answers_ids';

const factories: Record<string, MigrationFactory> = {
  '0001_initial': initial,
  '0002_claim_indexes': claimIndexes,
  '0003_claim_capacity_function': claimCapacityFunction,
  '0004_claim_functions': claimFunctions,
  '0005_finish_from_returned_rows': finishFromReturnedRows,
  '0006_workflow_graphs': workflowGraphs,
  '0007_claim_without_waiting': claimWithoutWaiting,
  '0008_expect_written': expectWritten,
  '0009_finish_and_notify': finishAndNotify,
  '0010_finish_answers_ids': finishAnswersIds,
};

export function buildMigrations(dialect: MigrationDialect): Record<string, Migration> {
  return Object.fromEntries(Object.entries(factories).map(([name, f]) => [name, f(dialect)]));
}

export type { MigrationDialect } from './migration-context';
