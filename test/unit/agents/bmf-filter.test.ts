// Behaviour of filterBmf on a hand-written 16-row fixture (plus 3 malformed rows) and on edge-case files.
import { execFileSync } from 'node:child_process';
import { mkdtemp, open, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import {
  BMF_HEADER_LINE,
  BmfDataNotFoundError,
  BmfHeaderError,
  filterBmf,
  InvalidFiltersError,
  type BmfFilters,
} from '../../../src/agents/bmf-filter';

const FIXTURE = path.join(__dirname, 'fixtures', 'bmf-small.csv');

/*
 * The fixture, by hand (revenue and assets in dollars, "-" = empty):
 *   EIN        ST SUB FND RULING  ASSETS  REVENUE NTEE  NAME
 *   012345678  VA 03  15  199003  250K    400K    B60   "ARLINGTON LITERACY COUNCIL, INC."
 *   023456789  MD 03  15  196705  90M     110M    C32   CHESAPEAKE BAY FOUNDATION INC
 *   540000001  VA 03  15  200102  1.5M    2.5M    E32   RICHMOND FREE CLINIC
 *   540000002  VA 03  11  195509  8M      5M      B20   ST. MARY'S SCHOOL
 *   520000003  DC 03  15  198911  30M     40M     K31   DC CENTRAL KITCHEN
 *   520000004  MD 03  04  201206  55M     3M      T20   HARTWELL FAMILY FOUNDATION
 *   060000005  NY 03  16  201510  -       90K     P20   THE "BRIDGE" PROJECT
 *   540000006  VA 04  00  195201  40K     25K     S20   ARLINGTON CIVIC FEDERATION
 *   540000007  VA 06  00  194801  2M      3.4M    S41   NORTHERN VIRGINIA CHAMBER OF COMMERCE
 *   520000008  MD 03  16  198406  700K    850K    -     BETHESDA ARTS & HUMANITIES COUNCIL (SORT_NAME BAHC)
 *   540000009  VA 03  12  197001  300M    400M    E22   ROANOKE VALLEY HOSPITAL
 *   520000010  MD 03  15  197905  25M     -       K31   MARYLAND FOOD BANK INC
 *   950000011  CA 03  15  200807  1M      1.2M    B82   GOLDEN STATE EDUCATION FUND
 *   740000012  TX 3   15  201901  50K     60K     b60   LONE STAR LITERACY
 *   540000013  VA 03  04  200503  12M     750K    T22   "SMITH, JONES & PARTNERS TRUST" (SORT_NAME C/O LITERACY PROGRAM)
 *   520000014  DC 03  15  202003  0       0       N60   DC YOUTH SOCCER
 * Malformed: a 27-column row (540000097), EIN "54-ABCDEFG", an unterminated quote (540000099).
 */

async function eins(filters: BmfFilters): Promise<string[]> {
  return (await filterBmf(FIXTURE, filters)).organizations.map((o) => o.ein);
}

describe('filterBmf on the fixture', () => {
  it('returns every well-formed row by revenue, largest first, unknown revenue last, and counts the malformed ones', async () => {
    const result = await filterBmf(FIXTURE, {});
    expect(result.organizations.map((o) => o.ein)).toEqual([
      '540000009', '023456789', '520000003', '540000002', '540000007', '520000004', '540000001', '950000011',
      '520000008', '540000013', '012345678', '060000005', '740000012', '540000006', '520000014', '520000010',
    ]);
    expect(result.matched).toBe(16);
    expect(result.scanned).toBe(19);
    expect(result.skipped_malformed).toBe(3);
    expect(result.files).toEqual([FIXTURE]);
  });

  it('combines states, NTEE major group and subsection "3" (= "03")', async () => {
    expect(await eins({ states: ['va', 'MD'], ntee_prefixes: ['B'], subsection: '3' })).toEqual(['540000002', '012345678']);
  });

  it('matches NTEE prefixes case-insensitively, at any length, and sorts by name', async () => {
    expect(await eins({ ntee_prefixes: ['e', 'K31'], sort_by: 'name' })).toEqual([
      '520000003', // DC CENTRAL KITCHEN
      '520000010', // MARYLAND FOOD BANK INC
      '540000001', // RICHMOND FREE CLINIC
      '540000009', // ROANOKE VALLEY HOSPITAL
    ]);
  });

  it('treats a lower-case NTEE code in the file like an upper-case one', async () => {
    expect(await eins({ ntee_prefixes: ['B60'] })).toEqual(['012345678', '740000012']);
  });

  it('keeps revenue bounds inclusive and excludes rows with no revenue', async () => {
    expect(await eins({ revenue_min: 500_000, revenue_max: 5_000_000, sort_by: 'revenue', sort_order: 'asc' })).toEqual([
      '540000013', '520000008', '950000011', '540000001', '520000004', '540000007', '540000002',
    ]);
  });

  it('reads 0 as a real amount, not as missing', async () => {
    expect(await eins({ revenue_max: 0 })).toEqual(['520000014']);
  });

  it('filters private foundations by code, padding "4" to "04", and by assets', async () => {
    expect(await eins({ foundation_codes: ['4'] })).toEqual(['520000004', '540000013']);
    expect(await eins({ foundation_codes: ['04'], asset_min: 20_000_000 })).toEqual(['520000004']);
  });

  it('matches name_contains against NAME or SORT_NAME, case-insensitively', async () => {
    expect((await eins({ name_contains: 'literacy' })).sort()).toEqual(['012345678', '540000013', '740000012']);
    expect(await eins({ name_contains: 'bahc' })).toEqual(['520000008']);
  });

  it('filters by ruling year and sorts by ruling date', async () => {
    expect(await eins({ ruling_year_min: 2000, ruling_year_max: 2015, sort_by: 'ruling', sort_order: 'asc' })).toEqual([
      '540000001', '540000013', '950000011', '520000004', '060000005',
    ]);
  });

  it('filters non-501(c)(3) subsections', async () => {
    expect(await eins({ subsection: '04' })).toEqual(['540000006']);
    expect(await eins({ subsection: '06' })).toEqual(['540000007']);
  });

  it('keeps only the top `limit` rows but still counts every match', async () => {
    const result = await filterBmf(FIXTURE, { sort_by: 'assets', limit: 3 });
    expect(result.organizations.map((o) => o.ein)).toEqual(['540000009', '023456789', '520000004']);
    expect(result.matched).toBe(16);
  });

  it('returns, for every limit, the first rows of the unlimited result', async () => {
    for (const sort_by of ['revenue', 'assets', 'name', 'ruling'] as const) {
      for (const sort_order of ['asc', 'desc'] as const) {
        const all = await eins({ sort_by, sort_order });
        for (const limit of [1, 2, 5, 9, 16, 40]) {
          expect(await eins({ sort_by, sort_order, limit })).toEqual(all.slice(0, limit));
        }
      }
    }
  });

  it('types the record: quoted commas and quotes, leading zeros, nulls for empty values', async () => {
    const byEin = new Map((await filterBmf(FIXTURE, {})).organizations.map((o) => [o.ein, o]));
    expect(byEin.get('012345678')).toEqual({
      ein: '012345678',
      name: 'ARLINGTON LITERACY COUNCIL, INC.',
      sort_name: null,
      city: 'ARLINGTON',
      state: 'VA',
      zip: '22204-5703',
      subsection: '03',
      foundation: '15',
      ruling: '199003',
      ntee_code: 'B60',
      asset_amount: 250000,
      income_amount: 410000,
      revenue_amount: 400000,
    });
    expect(byEin.get('060000005')?.name).toBe('THE "BRIDGE" PROJECT');
    expect(byEin.get('060000005')?.asset_amount).toBeNull();
    expect(byEin.get('540000013')?.name).toBe('SMITH, JONES & PARTNERS TRUST');
    expect(byEin.get('520000008')?.ntee_code).toBeNull();
    expect(byEin.get('520000010')?.revenue_amount).toBeNull();
    expect(byEin.get('740000012')).toMatchObject({ subsection: '03', ntee_code: 'B60' });
    expect(byEin.has('540000097')).toBe(false);
    expect(byEin.has('540000099')).toBe(false);
  });
});

describe('filterBmf input validation', () => {
  it.each<[string, BmfFilters]>([
    ['revenue_min > revenue_max', { revenue_min: 10, revenue_max: 5 }],
    ['asset_min > asset_max', { asset_min: 10, asset_max: 5 }],
    ['ruling years reversed', { ruling_year_min: 2010, ruling_year_max: 2000 }],
    ['limit 0', { limit: 0 }],
    ['limit above 10000', { limit: 10_001 }],
    ['fractional limit', { limit: 2.5 }],
    ['non-numeric revenue', { revenue_min: Number.NaN }],
    ['state name instead of code', { states: ['Virginia'] }],
    ['subsection not a code', { subsection: '501c3' }],
    ['NTEE prefix without a letter', { ntee_prefixes: ['20'] }],
    // Casts: callers from JSON can send anything.
    ['unknown sort key', { sort_by: 'size' as unknown as 'name' }],
    ['unknown sort order', { sort_order: 'up' as unknown as 'asc' }],
  ])('rejects %s with InvalidFiltersError before reading', async (_label, filters) => {
    await expect(filterBmf('/nonexistent/path.csv', filters)).rejects.toBeInstanceOf(InvalidFiltersError);
  });

  it('reports every problem at once', async () => {
    const err = await filterBmf(FIXTURE, { revenue_min: 10, revenue_max: 5, limit: 0 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InvalidFiltersError);
    expect((err as InvalidFiltersError).problems).toHaveLength(2);
  });

  it('accepts the limit bounds 1 and 10000', async () => {
    expect((await filterBmf(FIXTURE, { limit: 1 })).organizations).toHaveLength(1);
    expect((await filterBmf(FIXTURE, { limit: 10_000 })).organizations).toHaveLength(16);
  });
});

describe('filterBmf files and folders', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'bmf-filter-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('throws BmfDataNotFoundError naming the missing path', async () => {
    const missing = path.join(dir, 'eo1.csv');
    const err = await filterBmf(missing, {}).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BmfDataNotFoundError);
    expect((err as BmfDataNotFoundError).path).toBe(missing);
    expect((err as Error).message).toContain(missing);
  });

  it('throws BmfDataNotFoundError for a folder without .csv files', async () => {
    await writeFile(path.join(dir, 'notes.txt'), 'not data');
    await expect(filterBmf(dir, {})).rejects.toBeInstanceOf(BmfDataNotFoundError);
  });

  it('scans every .csv of a folder in name order and adds up the counts', async () => {
    const lines = (await readFile(FIXTURE, 'utf8')).split('\n');
    await writeFile(path.join(dir, 'eo2.csv'), [lines[0], ...lines.slice(10)].join('\n'));
    await writeFile(path.join(dir, 'eo1.csv'), lines.slice(0, 10).join('\n') + '\n');
    await writeFile(path.join(dir, 'readme.txt'), 'ignored');
    const result = await filterBmf(dir, {});
    expect(result.files).toEqual([path.join(dir, 'eo1.csv'), path.join(dir, 'eo2.csv')]);
    expect(result.matched).toBe(16);
    expect(result.scanned).toBe(19);
    expect(result.skipped_malformed).toBe(3);
  });

  it('accepts a list of paths and scans a file named twice once', async () => {
    const result = await filterBmf([FIXTURE, FIXTURE], {});
    expect(result.files).toEqual([FIXTURE]);
    expect(result.matched).toBe(16);
  });

  it('reads CRLF line endings and a UTF-8 byte-order mark', async () => {
    const text = await readFile(FIXTURE, 'utf8');
    const file = path.join(dir, 'crlf.csv');
    await writeFile(file, '\uFEFF' + text.replace(/\n/g, '\r\n'));
    const result = await filterBmf(file, { name_contains: 'smith' });
    expect(result.organizations.map((o) => [o.ein, o.name, o.sort_name])).toEqual([
      ['540000013', 'SMITH, JONES & PARTNERS TRUST', 'C/O LITERACY PROGRAM'],
    ]);
    expect(result.skipped_malformed).toBe(3);
  });

  it('maps columns by header name, so a reordered header still reads correctly', async () => {
    const cols = BMF_HEADER_LINE.split(',');
    const reordered = [...cols].reverse();
    const row = cols.map((c) => ({ EIN: '001234567', NAME: 'REVERSED ORDER FUND', STATE: 'VA', REVENUE_AMT: '500', SUBSECTION: '03' })[c] ?? '');
    const file = path.join(dir, 'reordered.csv');
    await writeFile(file, `${reordered.join(',')}\n${[...row].reverse().join(',')}\n`);
    const [org] = (await filterBmf(file, {})).organizations;
    expect(org).toMatchObject({ ein: '001234567', name: 'REVERSED ORDER FUND', state: 'VA', revenue_amount: 500 });
  });

  it('refuses a file that is not a BMF extract with BmfHeaderError', async () => {
    const file = path.join(dir, 'other.csv');
    await writeFile(file, 'id,name\n1,x\n');
    const err = await filterBmf(file, {}).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BmfHeaderError);
    expect((err as BmfHeaderError).missingColumns).toContain('EIN');
  });

  it('refuses an empty file (a failed download) instead of reporting no matches', async () => {
    const file = path.join(dir, 'eo1.csv');
    await writeFile(file, '');
    const err = await filterBmf(file, {}).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BmfHeaderError);
    expect((err as Error).message).toContain('file is empty');
  });

  it('accepts a file with a header and no rows', async () => {
    const file = path.join(dir, 'eo_empty.csv');
    await writeFile(file, `${BMF_HEADER_LINE}\n`);
    expect(await filterBmf(file, {})).toMatchObject({ organizations: [], matched: 0, scanned: 0, skipped_malformed: 0 });
  });

  it('skips an over-long line as malformed and keeps reading after it', async () => {
    const lines = (await readFile(FIXTURE, 'utf8')).split('\n');
    const huge = lines[1]!.replace('ARLINGTON LITERACY COUNCIL', 'X'.repeat(5000));
    const file = path.join(dir, 'long.csv');
    await writeFile(file, [lines[0], huge, lines[2]].join('\n'));
    const result = await filterBmf(file, {}, { maxLineLength: 1000 });
    expect(result.organizations.map((o) => o.ein)).toEqual(['023456789']);
    expect(result.skipped_malformed).toBe(1);
    expect(result.scanned).toBe(2);
  });

  it('rejects with the abort reason when the signal is already aborted', async () => {
    const controller = new AbortController();
    const reason = new Error('user cancelled');
    controller.abort(reason);
    await expect(filterBmf(FIXTURE, {}, { signal: controller.signal })).rejects.toBe(reason);
  });

  it('stops a scan in the middle of a file when the signal aborts', async () => {
    // A named pipe whose writer stays open: the scan has read the header and rows but the file
    // has not ended, so only the abort can end it. Closing the writer afterwards lets the
    // pending read return; without the abort the scan would then resolve with a result.
    const fifo = path.join(dir, 'stream.csv');
    execFileSync('mkfifo', [fifo]);
    const controller = new AbortController();
    const reason = new Error('stop');
    const scan = filterBmf(fifo, {}, { signal: controller.signal });
    const outcome = scan.then(
      () => 'resolved',
      (err: unknown) => err,
    );
    const writer = await open(fifo, 'w');
    const lines = (await readFile(FIXTURE, 'utf8')).split('\n');
    await writer.write(lines.slice(0, 5).join('\n') + '\n');
    controller.abort(reason);
    await writer.close();
    expect(await outcome).toBe(reason);
  });
});
