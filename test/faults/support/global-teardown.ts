// Jest global teardown of the fault suite: prints the one results table and writes test-artifacts/faults.json.

import { formatTable, readRows, writeReport } from './fault-table';

export default function globalTeardown(): void {
  const rows = readRows();
  const file = writeReport(rows);
  process.stdout.write(`\nFault scenarios (${rows.length} recorded, written to ${file}):\n\n${formatTable(rows)}\n\n`);
}
