// Benchmark 7: the BMF filter's rows/second and peak memory on a generated 1.5-million-row EO BMF
// file against a 150k-row one (generated into os.tmpdir() at bench time, removed afterwards).
// Each pass runs in a fresh process so its peak RSS is its own. Memory must not grow with the file.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { againstLine, ratio, row, type BenchContext, type BenchmarkOutcome } from './bench-result';
import { generateBmfFile, sampleRows } from './bmf-measure';
import { runIsolated } from './isolated';
import { repeat } from './measure';

const LARGE_ROWS = 1_500_000;
const SMALL_ROWS = 150_000;

export async function runBmfFilter(ctx: BenchContext): Promise<BenchmarkOutcome> {
  const dir = mkdtempSync(join(tmpdir(), 'catalynx-bench-bmf-'));
  try {
    const sample = sampleRows(resolve(__dirname, '..', '..'));
    const large = join(dir, 'eo_large.csv');
    const small = join(dir, 'eo_small.csv');
    const largeBytes = await generateBmfFile(large, LARGE_ROWS, sample);
    const smallBytes = await generateBmfFile(small, SMALL_ROWS, sample);
    ctx.log(`  generated ${LARGE_ROWS} rows (${Math.round(largeBytes / 2 ** 20)} MiB) and ${SMALL_ROWS} rows (${Math.round(smallBytes / 2 ** 20)} MiB) in ${dir}`);
    const r = await repeat({ repetitions: ctx.env.repetitions, label: 'bmf filter', log: ctx.log }, async () => {
      const idle = await runIsolated('bmf-idle', {});
      const s = await runIsolated('bmf-filter', { file: small });
      const l = await runIsolated('bmf-filter', { file: large });
      return { idleRss: idle.peakRssMiB!, smallRate: s.rowsPerSecond!, smallRss: s.peakRssMiB!, largeRate: l.rowsPerSecond!, largeRss: l.peakRssMiB! };
    });
    return {
      id: 'bmf-filter',
      title: 'BMF filter: speed and memory against file size',
      rows: [
        row(`${LARGE_ROWS.toLocaleString('en-US')}-row file`, 'rows filtered per second', 'rows/s', r.largeRate!),
        row(`${SMALL_ROWS.toLocaleString('en-US')}-row file`, 'rows filtered per second', 'rows/s', r.smallRate!),
        row(`${LARGE_ROWS.toLocaleString('en-US')}-row file`, 'peak RSS of the process', 'MiB', r.largeRss!),
        row(`${SMALL_ROWS.toLocaleString('en-US')}-row file`, 'peak RSS of the process', 'MiB', r.smallRss!),
        row('same process, no filtering', 'peak RSS of the process', 'MiB', r.idleRss!),
      ],
      ratios: [
        ratio('peak RSS large / small file (10× the rows)', r.largeRss!, r.smallRss!, { op: '<=', value: 1.25 }),
        // Issue 18's target: 200,000 rows a second on the large file.
        againstLine(`${LARGE_ROWS.toLocaleString('en-US')}-row file: rows/s / 200,000`, r.largeRate!, 200_000, '>='),
      ],
      skipped: [],
      notes: [
        `Files: the committed synthetic sample's rows recycled with fresh EINs (${Math.round(largeBytes / 2 ** 20)} MiB and ${Math.round(smallBytes / 2 ** 20)} MiB), generated into os.tmpdir() at bench time and deleted afterwards.`,
        'Query: 501(c)(3)s in VA, MD and CA with revenue ≥ 1,000, top 100 by revenue. Peak RSS is process.resourceUsage().maxRSS of a fresh process per pass (it includes Node and the loaded bench modules; the idle row is that floor).',
      ],
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
