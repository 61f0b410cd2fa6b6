// The typed organization record produced from one BMF row, and the conversion from raw fields.
import type { BmfColumn } from './bmf-columns';

/** One exempt organization as read from the BMF. Empty text fields are kept as "" except where noted. */
export interface BmfOrganization {
  /** 9 digits, leading zeros kept ("012345678"). */
  ein: string;
  name: string;
  /** SORT_NAME (secondary name / "doing business as"); null when empty. */
  sort_name: string | null;
  city: string;
  state: string;
  zip: string;
  /** Two-digit IRS subsection code; "03" is 501(c)(3). */
  subsection: string;
  /** Two-digit IRS foundation code (e.g. "15" public charity, "04" private non-operating foundation). */
  foundation: string;
  /** Ruling date as YYYYMM, as written in the file. */
  ruling: string;
  /** NTEE code, upper-cased; null when the IRS has not assigned one. */
  ntee_code: string | null;
  asset_amount: number | null;
  income_amount: number | null;
  revenue_amount: number | null;
}

/** Column name → position in the file, taken from that file's header line. */
export type ColumnIndex = Record<BmfColumn, number>;

/** Why a row was rejected; the reason is only used for counting and debugging. */
export type RowRejection = 'column_count' | 'ein';

/** Raw field text by position: an array of parsed fields, or an unquoted line read from its bytes. */
export interface RowFields {
  readonly fieldCount: number;
  field(index: number): string;
}

/**
 * Builds the typed record, or reports why the row is malformed. EINs with fewer than nine
 * digits (leading zeros lost by a spreadsheet round-trip) are left-padded back to nine.
 */
export function toBmfOrganization(
  fields: string[],
  columns: ColumnIndex,
  expectedCount: number,
): BmfOrganization | RowRejection {
  return readOrganization({ fieldCount: fields.length, field: (i) => fields[i] ?? '' }, columns, expectedCount);
}

/** toBmfOrganization over any field source; only the 13 columns of the record are read. */
export function readOrganization(row: RowFields, columns: ColumnIndex, expectedCount: number): BmfOrganization | RowRejection {
  if (row.fieldCount !== expectedCount) return 'column_count';
  const get = (column: BmfColumn): string => row.field(columns[column]).trim();
  const rawEin = get('EIN').replace(/-/g, '');
  if (!/^\d{1,9}$/.test(rawEin)) return 'ein';
  const ntee = get('NTEE_CD').toUpperCase();
  const sortName = get('SORT_NAME');
  return {
    ein: rawEin.padStart(9, '0'),
    name: get('NAME'),
    sort_name: sortName === '' ? null : sortName,
    city: get('CITY'),
    state: get('STATE').toUpperCase(),
    zip: get('ZIP'),
    subsection: padCode(get('SUBSECTION')),
    foundation: padCode(get('FOUNDATION')),
    ruling: get('RULING'),
    ntee_code: ntee === '' ? null : ntee,
    asset_amount: parseAmount(get('ASSET_AMT')),
    income_amount: parseAmount(get('INCOME_AMT')),
    revenue_amount: parseAmount(get('REVENUE_AMT')),
  };
}

/** IRS codes are two digits; some extracts drop the leading zero ("3" for "03"). */
export function padCode(code: string): string {
  return /^\d$/.test(code) ? `0${code}` : code;
}

/** Empty or non-numeric amounts are unknown (null), not zero: zero is a real reported value. */
function parseAmount(raw: string): number | null {
  if (raw === '') return null;
  if (!/^-?\d+(\.\d+)?$/.test(raw)) return null;
  return Number(raw);
}

/**
 * Returns the record with every string copied into fresh memory. Strings cut from a line with
 * slice() are V8 "sliced strings" that keep the whole 64 KB read chunk alive; without this, a
 * top list of 10,000 rows can pin hundreds of megabytes of file text.
 */
export function detachOrganization(org: BmfOrganization): BmfOrganization {
  return {
    ...org,
    ein: copyString(org.ein),
    name: copyString(org.name),
    sort_name: org.sort_name === null ? null : copyString(org.sort_name),
    city: copyString(org.city),
    state: copyString(org.state),
    zip: copyString(org.zip),
    subsection: copyString(org.subsection),
    foundation: copyString(org.foundation),
    ruling: copyString(org.ruling),
    ntee_code: org.ntee_code === null ? null : copyString(org.ntee_code),
  };
}

function copyString(value: string): string {
  return Buffer.from(value, 'utf8').toString('utf8');
}
