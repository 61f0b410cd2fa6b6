// Reads a YAML or JSON flags file (`features: { <name>: { state, ... } }`) into validated flags.
import { readFile } from 'node:fs/promises';
import { extname } from 'node:path';
import { parseDocument } from 'yaml';
import { describeFlagIssues, FeatureFlagSchema, type FeatureFlag } from './flag';
import { FlagsFileError } from './flag-errors';

export type FlagsFileFormat = 'yaml' | 'json';

const FORMAT_BY_EXTENSION: Readonly<Record<string, FlagsFileFormat>> = {
  '.yml': 'yaml',
  '.yaml': 'yaml',
  '.json': 'json',
};

/**
 * Loads every flag from a `.yml`, `.yaml` or `.json` file (format chosen by extension).
 * Fails with `FlagsFileError` naming the path when the extension is unsupported or the file is
 * missing/unreadable, and listing every problem when its content is invalid.
 */
export async function loadFlagsFile(path: string): Promise<FeatureFlag[]> {
  const format = FORMAT_BY_EXTENSION[extname(path).toLowerCase()];
  if (format === undefined) {
    throw new FlagsFileError(
      path,
      `unsupported flags file extension '${extname(path)}' for ${path}: use .yml, .yaml or .json`,
    );
  }

  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new FlagsFileError(path, `flags file not found: ${path}`);
    const reason = error instanceof Error ? error.message : String(error);
    throw new FlagsFileError(path, `cannot read flags file ${path}: ${reason}`);
  }
  return parseFlagsDocument(text, format, path);
}

/**
 * Parses flags file text. `source` labels errors (the file path when called by `loadFlagsFile`).
 * The map key is the flag's name; a `name` field inside a flag is allowed only if it repeats it.
 * An empty `features:` (all flags commented out) means no flags. Keys other than `features` at
 * the top level are ignored. Duplicate flag names are an error in YAML; JSON.parse keeps the last.
 */
export function parseFlagsDocument(
  text: string,
  format: FlagsFileFormat,
  source = `<${format} text>`,
): FeatureFlag[] {
  const root = format === 'yaml' ? parseYaml(text, source) : parseJson(text, source);

  if (!isPlainObject(root) || !('features' in root)) {
    throw new FlagsFileError(
      source,
      `invalid flags file ${source}: expected a top-level 'features' mapping of flag name to flag`,
    );
  }
  const features = root.features ?? {};
  if (!isPlainObject(features)) {
    throw new FlagsFileError(
      source,
      `invalid flags file ${source}: 'features' must be a mapping of flag name to flag`,
    );
  }

  const flags: FeatureFlag[] = [];
  const problems: string[] = [];
  for (const [name, body] of Object.entries(features)) {
    if (!isPlainObject(body)) {
      problems.push(`${name}: must be a mapping of flag fields (state, rollout_percentage, ...)`);
      continue;
    }
    if ('name' in body && body.name !== name) {
      problems.push(`${name}.name: must match the map key '${name}' (or be left out)`);
      continue;
    }
    const result = FeatureFlagSchema.safeParse({ ...body, name });
    if (result.success) flags.push(result.data);
    else problems.push(...describeFlagIssues(result.error.issues, name));
  }

  if (problems.length > 0) {
    const count = problems.length === 1 ? '1 problem' : `${problems.length} problems`;
    throw new FlagsFileError(source, `invalid flags file ${source} (${count}):`, problems);
  }
  return flags;
}

function parseYaml(text: string, source: string): unknown {
  const document = parseDocument(text);
  if (document.errors.length > 0) {
    // yaml's messages start with "<what> at line L, column C:" followed by a source excerpt;
    // keep the first line so each problem stays on one line of the error message.
    throw new FlagsFileError(
      source,
      `invalid YAML in flags file ${source}:`,
      document.errors.map((error) => error.message.split('\n')[0].replace(/:$/, '')),
    );
  }
  try {
    return document.toJS();
  } catch (error) {
    // toJS throws on alias abuse (e.g. "billion laughs" documents exceeding maxAliasCount).
    const reason = error instanceof Error ? error.message : String(error);
    throw new FlagsFileError(source, `invalid YAML in flags file ${source}:`, [reason]);
  }
}

function parseJson(text: string, source: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new FlagsFileError(source, `invalid JSON in flags file ${source}:`, [reason]);
  }
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
