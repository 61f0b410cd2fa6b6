// Reads the workflow definitions in WORKFLOWS_DIR (*.json, *.yaml, *.yml, one definition per file).
// A missing folder means no definitions; an unreadable or invalid file fails with its name.

import { readdir, readFile } from 'node:fs/promises';
import { extname, join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { WorkflowDefinitionSchema, type WorkflowDefinition } from './workflow-definition';
import { WorkflowFileError } from './workflow-errors';

const EXTENSIONS = new Set(['.json', '.yaml', '.yml']);

export async function loadWorkflowsDir(dir: string): Promise<{ file: string; definition: WorkflowDefinition }[]> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw new WorkflowFileError(dir, `cannot read the folder: ${(err as Error).message}`);
  }
  const loaded: { file: string; definition: WorkflowDefinition }[] = [];
  for (const name of names.sort()) {
    const ext = extname(name).toLowerCase();
    if (!EXTENSIONS.has(ext)) continue;
    const file = join(dir, name);
    let raw: unknown;
    try {
      const text = await readFile(file, 'utf8');
      raw = ext === '.json' ? JSON.parse(text) : parseYaml(text);
    } catch (err) {
      throw new WorkflowFileError(file, `cannot parse: ${(err as Error).message}`);
    }
    const parsed = WorkflowDefinitionSchema.safeParse(raw);
    if (!parsed.success) {
      const problems = parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ');
      throw new WorkflowFileError(file, `invalid workflow definition: ${problems}`);
    }
    loaded.push({ file, definition: parsed.data });
  }
  return loaded;
}
