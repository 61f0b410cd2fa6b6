// Turns the lines of one BMF file into counted rows and organizations: the header first, then each row from its bytes.
//
// The common row (no quotes, plain ASCII codes) is checked for its column count and EIN and
// offered to the byte prefilter before anything is decoded; only rows that may match become
// strings. Quoted lines and anything the bytes cannot settle take the string path
// (parseCsvLine, toBmfOrganization), so every row is counted and typed exactly as that path does.
import { isAsciiSpace, trimAscii, type TrimmedRange } from './ascii-field';
import { compileBytePrefilter, type BytePrefilter } from './bmf-byte-prefilter';
import { BMF_COLUMNS, type BmfColumn } from './bmf-columns';
import type { NormalisedFilters } from './bmf-filters';
import { readOrganization, toBmfOrganization, type BmfOrganization, type ColumnIndex, type RowRejection } from './bmf-organization';
import type { CsvByteLine, CsvLineSink } from './csv-byte-scanner';
import { parseCsvLine } from './csv-line';
import { BmfHeaderError } from './errors';

export interface RowCounts {
  scanned: number;
  skipped: number;
}

export class BmfRowReader implements CsvLineSink {
  private columns: ColumnIndex | null = null;
  private expectedCount = 0;
  private prefilter: BytePrefilter | null = null;
  private readonly range: TrimmedRange = { start: 0, end: 0 };

  constructor(
    private readonly file: string,
    private readonly filters: NormalisedFilters,
    /** Added to as rows are read, so totals span all files. */
    private readonly counts: RowCounts,
    private readonly onOrganization: (org: BmfOrganization) => void,
  ) {}

  /** Call after the last line: a file without a header is refused. */
  finish(): void {
    // A zero-byte eo1.csv usually means a failed download; say so instead of reporting no matches.
    if (this.columns === null) throw new BmfHeaderError(this.file, [...BMF_COLUMNS], 'file is empty');
  }

  oversized(): void {
    if (this.columns === null) throw new BmfHeaderError(this.file, [...BMF_COLUMNS], 'first line is too long to be a header');
    this.counts.scanned += 1;
    this.counts.skipped += 1;
  }

  line(line: CsvByteLine): void {
    const columns = this.columns;
    if (columns === null) {
      this.header(line);
      return;
    }
    if (isBlank(line)) return;
    this.counts.scanned += 1;
    const org = line.quoted ? this.fromText(line.text(), columns) : this.fromBytes(line, columns);
    if (org === null) return;
    if (typeof org === 'string') {
      this.counts.skipped += 1;
      return;
    }
    this.onOrganization(org);
  }

  private header(line: CsvByteLine): void {
    const text = line.text().replace(/^\uFEFF/, '');
    if (text.trim() === '') return;
    const header = parseCsvLine(text) ?? [];
    this.columns = indexHeader(this.file, header);
    this.expectedCount = header.length;
    this.prefilter = compileBytePrefilter(this.filters, this.columns);
  }

  private fromText(text: string, columns: ColumnIndex): BmfOrganization | RowRejection | 'quoting' {
    const fields = parseCsvLine(text);
    return fields === null ? 'quoting' : toBmfOrganization(fields, columns, this.expectedCount);
  }

  /** null: a well-formed row the prefilter ruled out. */
  private fromBytes(line: CsvByteLine, columns: ColumnIndex): BmfOrganization | RowRejection | null {
    if (line.fieldCount !== this.expectedCount) return 'column_count';
    const ein = einFromBytes(line, columns.EIN, this.range);
    if (ein === 'invalid') return 'ein';
    // With an EIN the bytes could not settle, the row goes to readOrganization, which counts it.
    if (ein === 'valid' && this.prefilter !== null && !this.prefilter(line)) return null;
    return readOrganization(line, columns, this.expectedCount);
  }
}

/** What `text.trim() === ''` says, decoding only a line that starts with a space or a non-ASCII byte. */
function isBlank(line: CsvByteLine): boolean {
  if (line.start === line.end) return true;
  const first = line.buf[line.start]!;
  if (first < 0x80 && !isAsciiSpace(first)) return false;
  return line.text().trim() === '';
}

/** readOrganization's EIN rule (trimmed, hyphens dropped, 1–9 digits) on the bytes; 'unsure' for non-ASCII. */
function einFromBytes(line: CsvByteLine, index: number, r: TrimmedRange): 'valid' | 'invalid' | 'unsure' {
  if (!trimAscii(line.buf, line.fieldStarts[index]!, line.fieldEnd(index), r)) return 'unsure';
  let digits = 0;
  for (let i = r.start; i < r.end; i++) {
    const b = line.buf[i]!;
    if (b >= 48 && b <= 57) digits++;
    else if (b !== 45 /* - */) return 'invalid';
  }
  return digits >= 1 && digits <= 9 ? 'valid' : 'invalid';
}

function indexHeader(file: string, header: string[]): ColumnIndex {
  const positions = new Map(header.map((name, i) => [name.trim().toUpperCase(), i] as const));
  const missing = BMF_COLUMNS.filter((c) => !positions.has(c));
  if (missing.length > 0) throw new BmfHeaderError(file, missing);
  const index = {} as ColumnIndex; // filled for every BMF column just below
  for (const c of BMF_COLUMNS) index[c as BmfColumn] = positions.get(c) as number;
  return index;
}
