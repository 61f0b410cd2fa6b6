// Streams EO BMF CSV files and returns the top matching organizations without holding the match set.
import { createReadStream } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import * as nodePath from 'node:path';
import { detachOrganization, type BmfOrganization } from './bmf-organization';
import { matchesFilters, normaliseFilters, type BmfFilters, type NormalisedFilters } from './bmf-filters';
import { BmfRowReader } from './bmf-row-reader';
import { organizationComparator } from './bmf-sort';
import { BoundedTopList } from './bounded-top-list';
import { scanCsvLines } from './csv-byte-scanner';
import { BmfDataNotFoundError } from './errors';

export interface BmfFilterResult {
  /** At most `limit` organizations, in the requested sort order. */
  organizations: BmfOrganization[];
  /** How many rows matched the filters (may exceed organizations.length). */
  matched: number;
  /** Data rows read across all files, header lines and blank lines excluded, malformed rows included. */
  scanned: number;
  /** Rows skipped because of a wrong column count, a non-numeric EIN, broken quoting or excessive length. */
  skipped_malformed: number;
  /** Absolute paths of the files scanned, in scan order. */
  files: string[];
}

export interface FilterBmfOptions {
  signal?: AbortSignal;
  /** Lines longer than this are skipped as malformed instead of buffered. Real rows are < 1 KB. */
  maxLineLength?: number;
}

const DEFAULT_MAX_LINE_LENGTH = 64 * 1024;

/**
 * Filters one BMF file, a folder of .csv files (not recursive), or a list of either.
 * Throws InvalidFiltersError before touching the disk, BmfDataNotFoundError for a missing path
 * or a folder without .csv files, BmfHeaderError for a file that is not a BMF extract, and the
 * signal's reason when aborted. Malformed rows are counted, never fatal.
 */
export async function filterBmf(
  paths: string | string[],
  filters: BmfFilters,
  opts: FilterBmfOptions = {},
): Promise<BmfFilterResult> {
  const f = normaliseFilters(filters);
  const { signal } = opts;
  signal?.throwIfAborted();
  const files = await resolveCsvFiles(Array.isArray(paths) ? paths : [paths]);
  const top = new BoundedTopList<BmfOrganization>(f.limit, organizationComparator(f.sortBy, f.sortOrder));
  const counts = { matched: 0, scanned: 0, skipped: 0 };

  const onOrganization = (org: BmfOrganization): void => {
    if (!matchesFilters(org, f)) return;
    counts.matched += 1;
    if (top.accepts(org)) top.offer(detachOrganization(org));
  };
  for (const file of files) {
    signal?.throwIfAborted();
    await scanFile({ file, maxLineLength: opts.maxLineLength ?? DEFAULT_MAX_LINE_LENGTH, signal, filters: f, counts, onOrganization });
  }

  return {
    organizations: top.toSortedArray(),
    matched: counts.matched,
    scanned: counts.scanned,
    skipped_malformed: counts.skipped,
    files,
  };
}

/** Expands folders to their .csv files (sorted by name, so eo1..eo4 scan in order) and dedupes. */
async function resolveCsvFiles(paths: string[]): Promise<string[]> {
  if (paths.length === 0) throw new BmfDataNotFoundError('(none)', 'no path given');
  const out: string[] = [];
  for (const given of paths) {
    const abs = nodePath.resolve(given);
    let info;
    try {
      info = await stat(abs);
    } catch (err) {
      throw new BmfDataNotFoundError(abs, 'no such file or folder', { cause: err });
    }
    if (info.isDirectory()) {
      const names = (await readdir(abs, { withFileTypes: true }))
        .filter((e) => e.isFile() && e.name.toLowerCase().endsWith('.csv'))
        .map((e) => e.name)
        .sort();
      if (names.length === 0) throw new BmfDataNotFoundError(abs, 'folder contains no .csv files');
      out.push(...names.map((n) => nodePath.join(abs, n)));
    } else {
      out.push(abs);
    }
  }
  return [...new Set(out)];
}

interface FileScan {
  file: string;
  maxLineLength: number;
  signal: AbortSignal | undefined;
  filters: NormalisedFilters;
  /** Added to as rows are read, so totals span all files. */
  counts: { scanned: number; skipped: number };
  onOrganization: (org: BmfOrganization) => void;
}

async function scanFile({ file, maxLineLength, signal, filters, counts, onOrganization }: FileScan): Promise<void> {
  const stream = createReadStream(file, { highWaterMark: 64 * 1024 });
  // Destroying with the reason makes the pending read reject, so abort interrupts mid-file.
  const onAbort = (): void => {
    stream.destroy(signal?.reason instanceof Error ? signal.reason : new Error('aborted'));
  };
  signal?.addEventListener('abort', onAbort, { once: true });
  try {
    const rows = new BmfRowReader(file, filters, counts, onOrganization);
    await scanCsvLines(stream, maxLineLength, rows);
    rows.finish();
  } catch (err) {
    // A stream destroyed by our abort listener rethrows the abort reason itself.
    if (signal?.aborted) throw signal.reason;
    if (isNodeError(err) && (err.code === 'ENOENT' || err.code === 'EISDIR')) {
      throw new BmfDataNotFoundError(file, err.code === 'ENOENT' ? 'file disappeared' : 'is a folder', { cause: err });
    }
    throw err;
  } finally {
    signal?.removeEventListener('abort', onAbort);
    stream.destroy();
  }
}

function isNodeError(err: unknown): err is NodeJS.ErrnoException {
  return err instanceof Error && typeof (err as NodeJS.ErrnoException).code === 'string';
}
