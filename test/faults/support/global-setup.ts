// Jest global setup of the fault suite: starts each run with an empty results table.

import { clearRows } from './fault-table';

export default function globalSetup(): void {
  clearRows();
}
