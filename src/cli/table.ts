// Renders rows as aligned, space-separated columns for people (scripts use --json instead).

export type Cell = string | number | boolean | null | undefined;

const text = (c: Cell) => (c === null || c === undefined || c === '' ? '-' : String(c));

/**
 * One string per line: the header row (when given) then each row, every column padded to its widest
 * cell except the last, so a long last column does not push trailing spaces.
 */
export function renderTable(rows: readonly (readonly Cell[])[], header?: readonly string[]): string[] {
  const all = (header ? [header, ...rows] : rows).map((r) => r.map(text));
  const widths: number[] = [];
  for (const row of all) row.forEach((cell, i) => (widths[i] = Math.max(widths[i] ?? 0, cell.length)));
  return all.map((row) => row.map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i]!))).join('  ').trimEnd());
}

/** A record shown as "label  value" lines. */
export function renderFields(fields: readonly (readonly [string, Cell])[]): string[] {
  return renderTable(fields.map(([label, value]) => [`${label}:`, value]));
}

/** A JSON value in one line, for a table cell. */
export function compactJson(value: unknown): string {
  return value === undefined ? '-' : JSON.stringify(value);
}
