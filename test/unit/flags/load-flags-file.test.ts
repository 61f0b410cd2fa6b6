// Loading flags from YAML/JSON files in the seed's format, and the errors a broken file gives.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FeatureFlagError, FlagsFileError } from '../../../src/modules/flags/flag-errors';
import { loadFlagsFile, parseFlagsDocument } from '../../../src/modules/flags/load-flags-file';

const SEED_YAML = `features:
  gpt5_analysis:
    state: rollout
    rollout_percentage: 25
    description: "Use GPT-5 for enhanced analysis"
  enhanced_bmf_discovery:
    state: enabled
    description: "New BMF discovery algorithm"
  real_time_notifications:
    state: disabled
    description: "WebSocket-based real-time updates"
`;

const SEED_FLAGS = [
  {
    name: 'gpt5_analysis',
    state: 'rollout',
    rollout_percentage: 25,
    conditions: [],
    description: 'Use GPT-5 for enhanced analysis',
  },
  {
    name: 'enhanced_bmf_discovery',
    state: 'enabled',
    rollout_percentage: 0,
    conditions: [],
    description: 'New BMF discovery algorithm',
  },
  {
    name: 'real_time_notifications',
    state: 'disabled',
    rollout_percentage: 0,
    conditions: [],
    description: 'WebSocket-based real-time updates',
  },
];

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Runs `fn`, expecting a FlagsFileError, and returns it for inspection. */
async function flagsFileError(fn: () => unknown): Promise<FlagsFileError> {
  try {
    await fn();
  } catch (error) {
    expect(error).toBeInstanceOf(FlagsFileError);
    expect(error).toBeInstanceOf(FeatureFlagError);
    return error as FlagsFileError;
  }
  throw new Error('expected a FlagsFileError');
}

describe('loadFlagsFile', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'catalynx-flags-'));
  });
  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  function write(name: string, text: string): string {
    const path = join(dir, name);
    writeFileSync(path, text);
    return path;
  }

  it("loads the seed's YAML as is, from .yml and .yaml", async () => {
    expect(await loadFlagsFile(write('flags.yml', SEED_YAML))).toEqual(SEED_FLAGS);
    expect(await loadFlagsFile(write('flags.yaml', SEED_YAML))).toEqual(SEED_FLAGS);
  });

  it('loads the same structure from JSON', async () => {
    const json = JSON.stringify({
      features: {
        gpt5_analysis: { state: 'rollout', rollout_percentage: 25, description: 'Use GPT-5 for enhanced analysis' },
        enhanced_bmf_discovery: { state: 'enabled', description: 'New BMF discovery algorithm' },
        real_time_notifications: { state: 'disabled', description: 'WebSocket-based real-time updates' },
      },
    });
    expect(await loadFlagsFile(write('flags.json', json))).toEqual(SEED_FLAGS);
  });

  it('ships config/feature_flags.yml with the three seed flags', async () => {
    expect(await loadFlagsFile(join(__dirname, '../../../config/feature_flags.yml'))).toEqual(SEED_FLAGS);
  });

  it('names the path when the file is missing', async () => {
    const path = join(dir, 'nope.yml');
    const error = await flagsFileError(() => loadFlagsFile(path));
    expect(error.message).toBe(`flags file not found: ${path}`);
    expect(error.path).toBe(path);
  });

  it('names the path when the file cannot be read', async () => {
    const path = join(dir, 'folder.yml');
    mkdirSync(path);
    const error = await flagsFileError(() => loadFlagsFile(path));
    expect(error.message).toMatch(new RegExp(`^cannot read flags file ${escapeRegExp(path)}: .*EISDIR`));
  });

  it('rejects an unsupported extension without guessing the format', async () => {
    const path = write('flags.toml', SEED_YAML);
    const error = await flagsFileError(() => loadFlagsFile(path));
    expect(error.message).toBe(
      `unsupported flags file extension '.toml' for ${path}: use .yml, .yaml or .json`,
    );
  });

  it('reports invalid YAML with its line and column', async () => {
    const path = write('flags.yml', 'features:\n  gpt5_analysis:\n    state: [rollout\n');
    const error = await flagsFileError(() => loadFlagsFile(path));
    expect(error.message).toMatch(new RegExp(`^invalid YAML in flags file ${escapeRegExp(path)}:\\n  - .*line \\d+, column \\d+`));
  });

  it('reports invalid JSON', async () => {
    const path = write('flags.json', '{"features": {');
    const error = await flagsFileError(() => loadFlagsFile(path));
    expect(error.message).toMatch(new RegExp(`^invalid JSON in flags file ${escapeRegExp(path)}:\\n  - .+`));
    expect(error.problems).toHaveLength(1);
  });

  it('lists every invalid flag field with the flag name, in one error', async () => {
    const path = write(
      'flags.yml',
      `features:
  gpt5_analysis:
    state: rollout
    rollout_percentage: 250
  enhanced_bmf_discovery:
    state: on
    descripton: typo
  ok_flag:
    state: enabled
  Bad_Name:
    state: disabled
`,
    );
    const error = await flagsFileError(() => loadFlagsFile(path));
    expect(error.problems).toEqual([
      'gpt5_analysis.rollout_percentage: must be between 0 and 100',
      'enhanced_bmf_discovery.state: must be one of disabled, enabled, rollout',
      'enhanced_bmf_discovery.descripton: is not a known field',
      "Bad_Name.name: must be 1 to 100 characters of lowercase letters, digits, '_', '-' or '.'",
    ]);
    expect(error.message).toBe(
      `invalid flags file ${path} (4 problems):\n` +
        '  - gpt5_analysis.rollout_percentage: must be between 0 and 100\n' +
        '  - enhanced_bmf_discovery.state: must be one of disabled, enabled, rollout\n' +
        '  - enhanced_bmf_discovery.descripton: is not a known field\n' +
        "  - Bad_Name.name: must be 1 to 100 characters of lowercase letters, digits, '_', '-' or '.'",
    );
  });
});

describe('parseFlagsDocument', () => {
  it('parses YAML text with shorthand conditions', () => {
    const flags = parseFlagsDocument(
      'features:\n  pro_reports:\n    state: enabled\n    conditions: { plan: [pro, enterprise] }\n',
      'yaml',
    );
    expect(flags).toEqual([
      {
        name: 'pro_reports',
        state: 'enabled',
        rollout_percentage: 0,
        conditions: [{ attribute: 'plan', operator: 'in', values: ['pro', 'enterprise'] }],
        description: '',
      },
    ]);
  });

  it('treats an empty features mapping as no flags', () => {
    expect(parseFlagsDocument('features:\n', 'yaml')).toEqual([]);
    expect(parseFlagsDocument('{"features": {}}', 'json')).toEqual([]);
  });

  it('requires a top-level features mapping', async () => {
    for (const text of ['', 'gpt5_analysis:\n  state: enabled\n', '- a\n']) {
      const error = await flagsFileError(() => parseFlagsDocument(text, 'yaml', 'flags.yml'));
      expect(error.message).toBe(
        "invalid flags file flags.yml: expected a top-level 'features' mapping of flag name to flag",
      );
    }
    const error = await flagsFileError(() => parseFlagsDocument('features: [a, b]\n', 'yaml', 'flags.yml'));
    expect(error.message).toBe("invalid flags file flags.yml: 'features' must be a mapping of flag name to flag");
  });

  it('requires each flag to be a mapping', async () => {
    const error = await flagsFileError(() =>
      parseFlagsDocument('features:\n  gpt5_analysis: enabled\n', 'yaml', 'flags.yml'),
    );
    expect(error.problems).toEqual([
      'gpt5_analysis: must be a mapping of flag fields (state, rollout_percentage, ...)',
    ]);
    expect(error.message).toMatch(/^invalid flags file flags.yml \(1 problem\):/);
  });

  it('rejects a name field that disagrees with the map key', async () => {
    const error = await flagsFileError(() =>
      parseFlagsDocument('{"features": {"a": {"name": "b", "state": "enabled"}}}', 'json', 'flags.json'),
    );
    expect(error.problems).toEqual(["a.name: must match the map key 'a' (or be left out)"]);
  });

  it('rejects a flag defined twice in YAML', async () => {
    const error = await flagsFileError(() =>
      parseFlagsDocument(
        'features:\n  a:\n    state: enabled\n  a:\n    state: disabled\n',
        'yaml',
        'flags.yml',
      ),
    );
    expect(error.problems).toEqual(['Map keys must be unique at line 4, column 3']);
  });

  it('reports condition problems by flag, rule index and field', async () => {
    const error = await flagsFileError(() =>
      parseFlagsDocument(
        'features:\n  a:\n    state: enabled\n    conditions:\n      - attribute: age\n        operator: gt\n        value: old\n',
        'yaml',
        'flags.yml',
      ),
    );
    expect(error.problems).toEqual(['a.conditions[0].value: must be a number for an ordering operator']);
  });
});
