// Renders a step's input template: `{{input.x}}` and `{{steps.<id>.output.y}}` placeholders are
// looked up in the run's input and earlier steps' outputs. A string that is exactly one placeholder
// becomes the referenced JSON value; placeholders inside longer strings are stringified.

export interface TemplateScope {
  input: unknown;
  steps: Record<string, { output: unknown }>;
}

const PLACEHOLDER = /\{\{\s*([^{}]+?)\s*\}\}/g;
const WHOLE = /^\{\{\s*([^{}]+?)\s*\}\}$/;

/** Follows a dotted path; a missing segment gives undefined (rendered as null). */
export function lookup(scope: unknown, path: string): unknown {
  let current: unknown = scope;
  for (const part of path.split('.')) {
    if (current === null || typeof current !== 'object') return undefined;
    if (!Object.prototype.hasOwnProperty.call(current, part)) return undefined;
    current = (current as Record<string, unknown>)[part];
  }
  return current;
}

function asText(value: unknown): string {
  if (value === undefined || value === null) return '';
  return typeof value === 'string' ? value : JSON.stringify(value);
}

export function renderTemplate(template: unknown, scope: TemplateScope): unknown {
  if (typeof template === 'string') {
    const whole = WHOLE.exec(template);
    if (whole) return lookup(scope, whole[1]) ?? null;
    return template.replace(PLACEHOLDER, (_m, path: string) => asText(lookup(scope, path)));
  }
  if (Array.isArray(template)) return template.map((v) => renderTemplate(v, scope));
  if (template !== null && typeof template === 'object') {
    return Object.fromEntries(Object.entries(template).map(([k, v]) => [k, renderTemplate(v, scope)]));
  }
  return template;
}

/** Every placeholder path in a template (`input.x`, `steps.a.output.y`), for validation. */
export function templateRefs(template: unknown): string[] {
  if (typeof template === 'string') return [...template.matchAll(PLACEHOLDER)].map((m) => m[1]!);
  if (Array.isArray(template)) return template.flatMap(templateRefs);
  if (template !== null && typeof template === 'object') return Object.values(template).flatMap(templateRefs);
  return [];
}

/** Whether the template has a placeholder that reads an earlier step's output (`{{steps.…}}`). */
export function referencesStepOutputs(template: unknown): boolean {
  if (typeof template === 'string') {
    for (const m of template.matchAll(PLACEHOLDER)) if (m[1]!.split('.')[0] === 'steps') return true;
    return false;
  }
  if (Array.isArray(template)) return template.some(referencesStepOutputs);
  if (template !== null && typeof template === 'object') return Object.values(template).some(referencesStepOutputs);
  return false;
}
