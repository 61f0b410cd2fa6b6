// The byte path of filterBmf counts, rejects and types every row exactly as the string path (parseCsvLine, toBmfOrganization, matchesFilters) does.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { BMF_HEADER_LINE, filterBmf, parseCsvLine, type BmfFilters } from '../../../src/agents/bmf-filter';
import { matchesFilters, normaliseFilters } from '../../../src/agents/bmf-filter/bmf-filters';
import { organizationComparator } from '../../../src/agents/bmf-filter/bmf-sort';
import { toBmfOrganization, type BmfOrganization, type ColumnIndex } from '../../../src/agents/bmf-filter/bmf-organization';

const COLUMNS = BMF_HEADER_LINE.split(',');

/** A row from the columns given, every other column a small number. */
function row(values: Record<string, string>, columns = COLUMNS): string {
  return columns.map((c, i) => values[c] ?? String(i)).join(',');
}

/** The string path, line by line: what filterBmf returned before it read bytes. */
function reference(lines: string[], filters: BmfFilters) {
  const f = normaliseFilters(filters);
  const header = parseCsvLine(lines[0]!)!;
  const columns = Object.fromEntries(header.map((name, i) => [name, i])) as ColumnIndex;
  let scanned = 0;
  let skipped = 0;
  const matched: BmfOrganization[] = [];
  for (const line of lines.slice(1)) {
    if (line.trim() === '') continue;
    scanned++;
    const fields = parseCsvLine(line);
    const org = fields === null ? 'quoting' : toBmfOrganization(fields, columns, header.length);
    if (typeof org === 'string') skipped++;
    else if (matchesFilters(org, f)) matched.push(org);
  }
  matched.sort(organizationComparator(f.sortBy, f.sortOrder));
  return { organizations: matched.slice(0, f.limit), matched: matched.length, scanned, skipped_malformed: skipped };
}

const ROWS = [
  row({ EIN: '123456789', STATE: 'VA', SUBSECTION: '03', FOUNDATION: '15', REVENUE_AMT: '5000', ASSET_AMT: '10' }),
  row({ EIN: '12-3456780', STATE: 'va', SUBSECTION: '3', FOUNDATION: '4', REVENUE_AMT: '1000' }),
  row({ EIN: ' 000000001 ', STATE: ' CA ', SUBSECTION: ' 3 ', REVENUE_AMT: ' 999 ' }),
  row({ EIN: '\u00a0123', STATE: '\u00a0VA', SUBSECTION: '\u00a003', REVENUE_AMT: '\u00a02000' }), // non-ASCII spaces: string path decides
  row({ EIN: '54-ABCDEFG', STATE: 'TX' }), // malformed EIN in a state no filter wants: still counted malformed
  row({ EIN: '1234567890', STATE: 'VA' }), // ten digits
  row({ EIN: '', STATE: 'VA' }),
  row({ EIN: '222222222', STATE: 'MD', REVENUE_AMT: '1000.5', ASSET_AMT: '' }),
  row({ EIN: '333333333', STATE: 'MD', REVENUE_AMT: '-5', ASSET_AMT: '1e5' }),
  row({ EIN: '444444444', STATE: 'V', SUBSECTION: '003', REVENUE_AMT: '12345678901234567890' }),
  row({ EIN: '555555555', STATE: 'ÇA', FOUNDATION: 'x', REVENUE_AMT: 'abc' }),
  row({ EIN: '666666666', NAME: '"SMITH, JONES & ""PARTNERS"""', STATE: 'VA', REVENUE_AMT: '7000' }),
  row({ EIN: '"777777777"', STATE: 'CA', REVENUE_AMT: '0' }),
  row({ EIN: '888888888', STATE: 'VA' }).split(',').slice(1).join(','), // a column short
  `${row({ EIN: '999999999', STATE: 'VA' })},extra`,
  `"unterminated,${row({ EIN: '101010101', STATE: 'VA' })}`,
  '',
  '   ',
  row({ EIN: '121212121', STATE: 'MD', SUBSECTION: '04', FOUNDATION: '16', REVENUE_AMT: '-0', ASSET_AMT: '50' }),
];

const FILTERS: BmfFilters[] = [
  {},
  { states: ['VA', 'CA'] },
  { states: ['va'], subsection: '3', revenue_min: 1000 },
  { foundation_codes: ['4', '15', '16'] },
  { revenue_max: 1000 },
  { revenue_min: -10, revenue_max: 0, asset_min: 10, sort_by: 'assets' },
  { subsection: '04', states: ['MD'] },
];

describe('filterBmf reading rows from their bytes', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'bmf-row-reader-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it.each(FILTERS.map((f) => [JSON.stringify(f), f] as const))('gives the string path result for %s', async (_name, filters) => {
    const lines = [BMF_HEADER_LINE, ...ROWS];
    const file = path.join(dir, 'rows.csv');
    await writeFile(file, lines.join('\r\n')); // CRLF, and the last line without a newline
    const { files: _files, ...result } = await filterBmf(file, filters);
    expect(result).toEqual(reference(lines, filters));
  });

  it('reads the byte-filtered columns by header name in a reordered header', async () => {
    const reordered = [...COLUMNS].reverse();
    const quote = (v: string): string => (/[",]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v);
    const reversed = ROWS.map((r) => parseCsvLine(r)).filter((f) => f !== null && f.length === COLUMNS.length);
    const lines = [reordered.join(','), ...reversed.map((f) => [...f!].reverse().map(quote).join(','))];
    const file = path.join(dir, 'reordered.csv');
    await writeFile(file, `${lines.join('\n')}\n`);
    for (const filters of FILTERS) {
      const { files: _files, ...result } = await filterBmf(file, filters);
      expect(result).toEqual(reference(lines, filters));
    }
  });
});
