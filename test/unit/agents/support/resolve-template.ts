// Resolves workflow step-input templates the way the workflow engine is specified to, so tests can run a tier by hand.
//
// A string that is exactly one "{{path}}" placeholder becomes the JSON value at that path
// (null when the path leads nowhere); objects and arrays are resolved recursively; any other
// value is kept. Strings mixing text and placeholders are not used by the tier files and are
// rejected here so a test cannot silently depend on them.

const WHOLE_PLACEHOLDER = /^\{\{\s*([A-Za-z0-9_.]+)\s*\}\}$/;

export function resolveTemplate(template: unknown, scope: Record<string, unknown>): unknown {
  if (typeof template === 'string') {
    const whole = WHOLE_PLACEHOLDER.exec(template);
    if (whole) return lookup(scope, (whole[1] as string).split('.'));
    if (template.includes('{{')) throw new Error(`unsupported template string: ${template}`);
    return template;
  }
  if (Array.isArray(template)) return template.map((t) => resolveTemplate(t, scope));
  if (template !== null && typeof template === 'object') {
    return Object.fromEntries(Object.entries(template).map(([k, v]) => [k, resolveTemplate(v, scope)]));
  }
  return template;
}

function lookup(value: unknown, path: string[]): unknown {
  let current = value;
  for (const key of path) {
    if (current === null || typeof current !== 'object') return null;
    current = (current as Record<string, unknown>)[key];
  }
  // JSON has no undefined: a template value that leads nowhere is null.
  return current === undefined ? null : JSON.parse(JSON.stringify(current));
}
