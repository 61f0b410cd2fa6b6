// Rejects BMF rows from their bytes for the filters that can be decided without decoding (state, subsection, foundation, amounts).
//
// The prefilter may only say "no" when matchesFilters would say no for the row the string path
// builds; whenever a field is not plain ASCII (or an amount is not a plain integer) it lets the
// row through, and matchesFilters decides on the decoded record as before.
import { asciiAmount, trimAscii, twoByteCode, type TrimmedRange } from './ascii-field';
import type { BmfColumn } from './bmf-columns';
import type { NormalisedFilters } from './bmf-filters';
import type { ColumnIndex } from './bmf-organization';
import type { CsvByteLine } from './csv-byte-scanner';

/** False only for a row that cannot match; true means "decode it and check properly". */
export type BytePrefilter = (line: CsvByteLine) => boolean;

type Check = (line: CsvByteLine, r: TrimmedRange) => boolean;

/** The checks for `f` against one file's columns; null when no filter can be checked on bytes. */
export function compileBytePrefilter(f: NormalisedFilters, columns: ColumnIndex): BytePrefilter | null {
  const checks: Check[] = [];
  if (f.states) checks.push(codeIn(columns.STATE, new Set([...f.states].map(twoByteCode)), 'upper'));
  if (f.subsection !== null) checks.push(codeIn(columns.SUBSECTION, new Set([twoByteCode(f.subsection)]), 'pad'));
  if (f.foundationCodes) checks.push(codeIn(columns.FOUNDATION, new Set([...f.foundationCodes].map(twoByteCode)), 'pad'));
  if (f.revenueMin !== null || f.revenueMax !== null) checks.push(amountIn(columns, 'REVENUE_AMT', f.revenueMin, f.revenueMax));
  if (f.assetMin !== null || f.assetMax !== null) checks.push(amountIn(columns, 'ASSET_AMT', f.assetMin, f.assetMax));
  if (checks.length === 0) return null;
  const range: TrimmedRange = { start: 0, end: 0 };
  return (line) => {
    for (const check of checks) if (!check(line, range)) return false;
    return true;
  };
}

/**
 * A two-character code compared as the record holds it: STATE upper-cased, SUBSECTION and
 * FOUNDATION with a lone digit zero-padded (padCode). Every wanted code is two ASCII characters.
 */
function codeIn(index: number, wanted: Set<number>, form: 'upper' | 'pad'): Check {
  return (line, r) => {
    const buf = line.buf;
    if (!trimAscii(buf, line.fieldStarts[index]!, line.fieldEnd(index), r)) return true;
    const length = r.end - r.start;
    if (form === 'pad' && length === 1) {
      const b = buf[r.start]!;
      return b >= 48 && b <= 57 ? wanted.has((48 << 8) | b) : false;
    }
    if (length !== 2) return false;
    let b0 = buf[r.start]!;
    let b1 = buf[r.start + 1]!;
    if (form === 'upper') {
      if (b0 >= 97 && b0 <= 122) b0 -= 32;
      if (b1 >= 97 && b1 <= 122) b1 -= 32;
    }
    return wanted.has((b0 << 8) | b1);
  };
}

function amountIn(columns: ColumnIndex, column: BmfColumn, min: number | null, max: number | null): Check {
  const index = columns[column];
  return (line, r) => {
    if (!trimAscii(line.buf, line.fieldStarts[index]!, line.fieldEnd(index), r)) return true;
    const value = asciiAmount(line.buf, r);
    if (value === undefined) return true;
    if (value === null) return false; // an unknown amount never satisfies a bound
    return (min === null || value >= min) && (max === null || value <= max);
  };
}
