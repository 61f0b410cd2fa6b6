// The committed synthetic sample matches its generator and reads cleanly through filterBmf.
import { readFile } from 'node:fs/promises';
import * as path from 'node:path';
import { generateBmfSample, generateBoardMembers } from '../../../scripts/generate-bmf-sample';
import { BMF_HEADER_LINE, filterBmf } from '../../../src/agents/bmf-filter';

const SAMPLES = path.join(__dirname, '..', '..', '..', 'data-samples');
const SAMPLE_CSV = path.join(SAMPLES, 'bmf', 'eo_sample.csv');

describe('data-samples', () => {
  const generated = generateBmfSample();

  it('eo_sample.csv is exactly what the generator produces (regenerate with scripts/generate-bmf-sample.ts)', async () => {
    expect(await readFile(SAMPLE_CSV, 'utf8')).toBe(generated.csv);
    expect(generateBmfSample().csv).toBe(generated.csv); // deterministic
  });

  it('board-members.json is exactly what the generator produces', async () => {
    const file = JSON.parse(await readFile(path.join(SAMPLES, 'board-members.json'), 'utf8'));
    expect(file).toEqual(generateBoardMembers(generated.organizations));
  });

  it('starts with the exact 28-column BMF header', async () => {
    const [header] = (await readFile(SAMPLE_CSV, 'utf8')).split('\n');
    expect(header).toBe(BMF_HEADER_LINE);
  });

  it('reads 400 organizations and skips the 3 deliberately malformed rows', async () => {
    const result = await filterBmf(SAMPLE_CSV, { limit: 10_000 });
    expect(result.scanned).toBe(403);
    expect(result.skipped_malformed).toBe(3);
    expect(result.matched).toBe(400);
    expect(new Set(result.organizations.map((o) => o.ein))).toEqual(new Set(generated.organizations.map((o) => o.ein)));
    expect(result.organizations.every((o) => /^\d{9}$/.test(o.ein))).toBe(true);
    expect(result.organizations.some((o) => o.ein.startsWith('0'))).toBe(true);
    expect(result.organizations.some((o) => o.ntee_code === null)).toBe(true);
    expect(result.organizations.some((o) => o.revenue_amount === null)).toBe(true);
    expect(result.organizations.map((o) => o.name)).toContain('THE "SECOND CHANCE" PROJECT, INC.');
  });

  it('finds the same VA/MD education organizations the generator says it wrote', async () => {
    const expected = generated.organizations
      .filter((o) => ['VA', 'MD'].includes(o.state) && o.ntee.startsWith('B') && o.subsection === '03')
      .map((o) => o.ein)
      .sort();
    expect(expected.length).toBeGreaterThan(5);
    const result = await filterBmf(path.join(SAMPLES, 'bmf'), { states: ['VA', 'MD'], ntee_prefixes: ['B'], subsection: '03', limit: 10_000 });
    expect(result.organizations.map((o) => o.ein).sort()).toEqual(expected);
  });
});
