// GET /openapi.json: a valid OpenAPI 3.1 document describing exactly the routes the web serves.

import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTestDatabase, type TestDatabase } from '../support/services';
import { startInProcessWeb, type InProcessWeb } from '../support/in-process';
import { ROOT } from '../support/processes';

interface Operation {
  security: unknown[];
  parameters?: { name: string; in: string; required: boolean }[];
  requestBody?: { content: Record<string, { schema: unknown }> };
  responses: Record<string, { content?: Record<string, { schema: unknown }> }>;
}
type Document = {
  openapi: string;
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, unknown>; securitySchemes: Record<string, unknown> };
};

/** The validator is ESM-only, which Jest's CommonJS runtime cannot load: run it in plain Node. */
function validateOpenApi(doc: unknown): { valid: boolean; errors?: unknown; version?: string } {
  const dir = mkdtempSync(join(tmpdir(), 'catalynx-openapi-'));
  try {
    const file = join(dir, 'openapi.json');
    writeFileSync(file, JSON.stringify(doc));
    const script = `
      import { Validator } from '@seriousme/openapi-schema-validator';
      const v = new Validator();
      const res = await v.validate(process.argv[1]);
      process.stdout.write(JSON.stringify({ ...res, version: v.version }));`;
    const out = execFileSync(process.execPath, ['--input-type=module', '-e', script, file], { cwd: ROOT, encoding: 'utf8' });
    return JSON.parse(out) as { valid: boolean; errors?: unknown; version?: string };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const toOpenApiPath = (path: string) => path.replace(/:([A-Za-z0-9_]+)/g, '{$1}');

describe('GET /openapi.json', () => {
  let db: TestDatabase;
  let web: InProcessWeb;
  let doc: Document;

  beforeAll(async () => {
    db = await createTestDatabase('sqlite');
    await (await db.open()).close();
    web = await startInProcessWeb({ DATABASE_URL: db.url, RATE_LIMIT_REQUESTS: '100000' });
    const res = await fetch(`${web.url}/openapi.json`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/application\/json/);
    doc = (await res.json()) as Document;
  });
  afterAll(async () => {
    await web?.stop();
    await db?.cleanup();
  });

  it('is served without a key and passes the OpenAPI 3.1 schema validator', () => {
    expect(doc.openapi).toBe('3.1.0');
    const result = validateOpenApi(doc);
    expect(result.errors).toBeUndefined();
    expect(result).toMatchObject({ valid: true, version: '3.1' });
  });

  it('describes every mounted route, and nothing else', () => {
    const declared = web.services.routes.map((r) => `${r.method.toUpperCase()} ${toOpenApiPath(r.path)}`).sort();
    const documented = Object.entries(doc.paths)
      .flatMap(([path, ops]) => Object.keys(ops).map((method) => `${method.toUpperCase()} ${path}`))
      .sort();
    expect(documented).toEqual(declared);
    expect(documented).toEqual(expect.arrayContaining(['GET /openapi.json', 'GET /metrics', 'POST /api/agents/{id}/execute', 'GET /health']));
  });

  it('documents only paths the server answers (no route-level 404 for any documented operation)', async () => {
    for (const [path, ops] of Object.entries(doc.paths)) {
      const concrete = path.replace(/\{[^}]+\}/g, '00000000-0000-4000-8000-000000000000');
      for (const method of Object.keys(ops)) {
        // No key: protected routes answer 401 from the guard before touching anything.
        const res = await fetch(`${web.url}${concrete}`, { method: method.toUpperCase() });
        const text = await res.text();
        expect({ op: `${method} ${path}`, routeMissing: res.status === 404 && text.includes('No route for') }).toEqual({ op: `${method} ${path}`, routeMissing: false });
      }
    }
  });

  it('holds the seed contracts as named components referenced with $ref', () => {
    for (const name of ['AgentConfig', 'RegistryResponse', 'WorkflowDefinition', 'StepDefinition', 'WorkflowEvent', 'HealthCheck', 'SystemHealth', 'Task', 'Error']) {
      expect({ name, present: name in doc.components.schemas }).toEqual({ name, present: true });
    }
    const health = doc.paths['/health'].get;
    expect(JSON.stringify(health.responses['200'].content)).toContain('#/components/schemas/SystemHealth');
    // Every $ref in the document points at an existing component.
    const refs = [...JSON.stringify(doc).matchAll(/"\$ref":"#\/components\/schemas\/([^"]+)"/g)].map((m) => m[1]);
    expect(refs.length).toBeGreaterThan(10);
    for (const ref of new Set(refs)) expect({ ref, exists: ref in doc.components.schemas }).toEqual({ ref, exists: true });
  });

  it('states who may call each route: public routes have no security, the rest take a bearer or X-API-Key key', () => {
    expect(doc.components.securitySchemes).toMatchObject({
      bearerAuth: { type: 'http', scheme: 'bearer' },
      apiKey: { type: 'apiKey', in: 'header', name: 'X-API-Key' },
    });
    expect(doc.paths['/health/live'].get.security).toEqual([]);
    expect(doc.paths['/metrics'].get.security).toEqual([]);
    const execute = doc.paths['/api/agents/{id}/execute'].post;
    expect(execute.security).toEqual([{ bearerAuth: [] }, { apiKey: [] }]);
    expect(Object.keys(execute.responses)).toEqual(expect.arrayContaining(['202', '400', '401', '403', '429', '500']));
    expect(execute.responses['401'].content?.['application/json'].schema).toEqual({ $ref: '#/components/schemas/Error' });
    expect(execute.parameters).toEqual(expect.arrayContaining([expect.objectContaining({ name: 'id', in: 'path', required: true })]));
    expect(JSON.stringify(execute.requestBody)).toContain('#/components/schemas/ExecuteTask');
    expect(Object.keys(doc.paths['/health/live'].get.responses)).not.toContain('401');
  });
});
