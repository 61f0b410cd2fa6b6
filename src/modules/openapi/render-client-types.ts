// Renders the OpenAPI document as TypeScript source for the client (src/client/openapi-types.ts):
// one type per named schema, and per operation its method, path, parameters, body and answers.
// Deterministic (sorted, no dates), so a test can compare the committed file byte for byte.

type JsonSchema = Record<string, unknown>;

/** The parts of an OpenAPI document the renderer reads (an OpenApiDocument, or one parsed from JSON). */
export interface RenderableDocument {
  paths: Record<string, unknown>;
  components: { schemas: Record<string, unknown> };
}

const REF_PREFIX = '#/components/schemas/';
const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

const propertyKey = (name: string) => (IDENTIFIER.test(name) ? name : JSON.stringify(name));
const literal = (value: unknown) => JSON.stringify(value);
const isSchema = (v: unknown): v is JsonSchema => v !== null && typeof v === 'object' && !Array.isArray(v);

/** A union that stays readable: members deduplicated, `unknown` absorbing the rest. */
function union(members: string[]): string {
  const unique = [...new Set(members)];
  if (unique.includes('unknown')) return 'unknown';
  if (unique.length === 0) return 'never';
  return unique.length === 1 ? unique[0] : unique.map((m) => (m.includes(' | ') || m.includes(' & ') ? `(${m})` : m)).join(' | ');
}

function indentBlock(lines: string[], depth: number): string {
  const pad = '  '.repeat(depth);
  return lines.map((l) => `${pad}${l}`).join('\n');
}

/**
 * One JSON Schema (as zod emits it for draft 2020-12) as a TypeScript type. Keywords that only
 * constrain values (lengths, patterns, ranges, formats) do not change the type and are ignored;
 * a keyword this renderer does not know makes the type `unknown` rather than a wrong one.
 */
export function schemaToType(schema: unknown, depth = 0): string {
  if (schema === true || (isSchema(schema) && Object.keys(schema).filter((k) => k !== 'description' && k !== 'default').length === 0)) return 'unknown';
  if (schema === false) return 'never';
  if (!isSchema(schema)) return 'unknown';
  if (typeof schema.$ref === 'string') {
    return schema.$ref.startsWith(REF_PREFIX) ? schema.$ref.slice(REF_PREFIX.length) : 'unknown';
  }
  if ('const' in schema) return literal(schema.const);
  if (Array.isArray(schema.enum)) return union(schema.enum.map(literal));
  for (const key of ['anyOf', 'oneOf'] as const) {
    if (Array.isArray(schema[key])) return union((schema[key] as unknown[]).map((s) => schemaToType(s, depth)));
  }
  if (Array.isArray(schema.allOf)) {
    const parts = (schema.allOf as unknown[]).map((s) => schemaToType(s, depth)).filter((t) => t !== 'unknown');
    return parts.length === 0 ? 'unknown' : parts.map((p) => (p.includes(' | ') ? `(${p})` : p)).join(' & ');
  }
  const types = Array.isArray(schema.type) ? (schema.type as string[]) : typeof schema.type === 'string' ? [schema.type] : [];
  if (types.length === 0) return 'properties' in schema ? objectType(schema, depth) : 'unknown';
  return union(types.map((t) => typeOf(t, schema, depth)));
}

function typeOf(type: string, schema: JsonSchema, depth: number): string {
  switch (type) {
    case 'string':
      return 'string';
    case 'number':
    case 'integer':
      return 'number';
    case 'boolean':
      return 'boolean';
    case 'null':
      return 'null';
    case 'array':
      return arrayType(schema, depth);
    case 'object':
      return objectType(schema, depth);
    default:
      return 'unknown';
  }
}

function arrayType(schema: JsonSchema, depth: number): string {
  if (Array.isArray(schema.prefixItems)) {
    const items = (schema.prefixItems as unknown[]).map((s) => schemaToType(s, depth));
    const rest = schema.items === undefined || schema.items === false ? [] : [`...${wrapArrayItem(schemaToType(schema.items, depth))}[]`];
    return `[${[...items, ...rest].join(', ')}]`;
  }
  return `${wrapArrayItem(schemaToType(schema.items, depth))}[]`;
}

const wrapArrayItem = (t: string) => (/[|&\s]/.test(t) && !t.startsWith('{') ? `(${t})` : t);

function objectType(schema: JsonSchema, depth: number): string {
  const properties = isSchema(schema.properties) ? schema.properties : {};
  const required = new Set(Array.isArray(schema.required) ? (schema.required as string[]) : []);
  const lines: string[] = [];
  for (const [name, prop] of Object.entries(properties)) {
    lines.push(`${propertyKey(name)}${required.has(name) ? '' : '?'}: ${schemaToType(prop, depth + 1)};`);
  }
  const extra = schema.additionalProperties;
  if (extra !== undefined && extra !== false) {
    const value = schemaToType(extra, depth + 1);
    // An index signature must admit every declared property's type too.
    lines.push(`[key: string]: ${lines.length && value !== 'unknown' ? 'unknown' : value};`);
  }
  if (lines.length === 0) return extra === false ? 'Record<string, never>' : 'Record<string, unknown>';
  return `{\n${indentBlock(lines, depth + 1)}\n${'  '.repeat(depth)}}`;
}

interface Parameter {
  name: string;
  in: string;
  required?: boolean;
  schema?: unknown;
}

function parametersType(params: Parameter[], where: 'path' | 'query', depth: number): string {
  const own = params.filter((p) => p.in === where);
  if (own.length === 0) return 'Record<string, never>';
  const lines = own.map((p) => `${propertyKey(p.name)}${p.required ? '' : '?'}: ${schemaToType(p.schema, depth + 1)};`);
  return `{\n${indentBlock(lines, depth + 1)}\n${'  '.repeat(depth)}}`;
}

const jsonSchemaOf = (content: unknown): unknown => (isSchema(content) && isSchema(content['application/json']) ? content['application/json'].schema : undefined);

function operationEntry(id: string, method: string, path: string, op: JsonSchema): string {
  const params = (Array.isArray(op.parameters) ? op.parameters : []) as Parameter[];
  const body = isSchema(op.requestBody) ? jsonSchemaOf(op.requestBody.content) : undefined;
  const responses = isSchema(op.responses) ? op.responses : {};
  const answerLines = Object.keys(responses)
    .sort()
    .map((status) => {
      const answer = responses[status];
      const schema = isSchema(answer) ? jsonSchemaOf(answer.content) : undefined;
      // No content declared: 204 has no body; any other answer's body is not described (text, HTML).
      return `${status}: ${schema !== undefined ? schemaToType(schema, 3) : status === '204' ? 'null' : 'unknown'};`;
    });
  const lines = [
    `method: ${literal(method)};`,
    `path: ${literal(path)};`,
    `params: ${parametersType(params, 'path', 2)};`,
    `query: ${parametersType(params, 'query', 2)};`,
    `body: ${body === undefined ? 'never' : schemaToType(body, 2)};`,
    `responses: {\n${indentBlock(answerLines, 3)}\n    };`,
  ];
  return `  ${propertyKey(id)}: {\n${indentBlock(lines, 2)}\n  };`;
}

/** The whole generated module. */
export function renderClientTypes(doc: RenderableDocument): string {
  const out: string[] = [
    '// Generated from the OpenAPI document by src/processes/generate-client-types.ts: do not edit.',
    '// Regenerate with `npm run generate:client`; test/integration/client-openapi.test.ts fails when this file is stale.',
    '/* eslint-disable */',
    '',
  ];
  const names = Object.keys(doc.components.schemas).sort();
  for (const name of names) {
    out.push(`export type ${name} = ${schemaToType(doc.components.schemas[name], 0)};`, '');
  }
  const operations: { id: string; method: string; path: string; op: JsonSchema }[] = [];
  for (const path of Object.keys(doc.paths).sort()) {
    const ops = doc.paths[path] as Record<string, JsonSchema>;
    for (const method of Object.keys(ops).sort()) {
      const op = ops[method];
      const id = typeof op.operationId === 'string' ? op.operationId : `${method}_${path}`;
      operations.push({ id, method, path, op });
    }
  }
  operations.sort((a, b) => a.id.localeCompare(b.id));
  out.push('/** Every operation of the API by operationId: method, path, parameters, body and answers by status. */');
  out.push('export interface Operations {');
  for (const o of operations) out.push(operationEntry(o.id, o.method, o.path, o.op));
  out.push('}', '');
  out.push('export type OperationId = keyof Operations;', '');
  out.push('/** The same operations at run time: where each one is served. */');
  out.push('export const OPERATIONS = {');
  for (const o of operations) out.push(`  ${propertyKey(o.id)}: { method: ${literal(o.method)}, path: ${literal(o.path)} },`);
  out.push('} as const satisfies { [K in OperationId]: { method: Operations[K]["method"]; path: Operations[K]["path"] } };', '');
  return out.join('\n');
}
