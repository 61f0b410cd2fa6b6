// Rollout buckets must be the same in every process and never change silently.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ts from 'typescript';
import { bucketFor } from '../../../src/modules/flags/stable-hash';

describe('bucketFor', () => {
  it('returns the pinned buckets (a change here reshuffles every live rollout)', () => {
    // Computed once from sha256(flag + ':' + user); cross-checked with Python's hashlib.
    expect(bucketFor('gpt5_analysis', 'user-0')).toBe(54.84);
    expect(bucketFor('gpt5_analysis', 'user-1')).toBe(82.7);
    expect(bucketFor('gpt5_analysis', 'user-42')).toBe(35.3);
    expect(bucketFor('gpt5_analysis', 'alice@example.com')).toBe(16.1);
    expect(bucketFor('enhanced_bmf_discovery', 'user-0')).toBe(23.51);
    expect(bucketFor('a', 'émile')).toBe(85.33);
  });

  it('returns values in [0, 100) with at most two decimals', () => {
    for (let i = 0; i < 2000; i += 1) {
      const bucket = bucketFor('gpt5_analysis', `user-${i}`);
      expect(bucket).toBeGreaterThanOrEqual(0);
      expect(bucket).toBeLessThan(100);
      expect(Math.round(bucket * 100) / 100).toBe(bucket);
    }
  });

  it('gives the same buckets in a separate node process running the same module', () => {
    // Compile the real module source to plain JS and run it in a fresh `node -e`, so a
    // per-process salt (the seed's Python hash() bug) would show up as a mismatch.
    const dir = mkdtempSync(join(tmpdir(), 'catalynx-flags-hash-'));
    try {
      const source = readFileSync(
        join(__dirname, '../../../src/modules/flags/stable-hash.ts'),
        'utf8',
      );
      const compiled = ts.transpileModule(source, {
        compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022 },
      });
      const modulePath = join(dir, 'stable-hash.js');
      writeFileSync(modulePath, compiled.outputText);

      const userIds = Array.from({ length: 200 }, (_, i) => `user-${i}`);
      const script =
        `const { bucketFor } = require(${JSON.stringify(modulePath)});` +
        `const ids = JSON.parse(process.argv[1]);` +
        `process.stdout.write(JSON.stringify(ids.map((id) => bucketFor('gpt5_analysis', id))));`;
      const output = execFileSync(process.execPath, ['-e', script, JSON.stringify(userIds)], {
        encoding: 'utf8',
      });

      expect(JSON.parse(output)).toEqual(userIds.map((id) => bucketFor('gpt5_analysis', id)));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('depends on the flag name, not only the user', () => {
    expect(bucketFor('gpt5_analysis', 'user-0')).not.toBe(
      bucketFor('enhanced_bmf_discovery', 'user-0'),
    );
  });
});
