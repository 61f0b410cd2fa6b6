// The client cannot drift from the API: its generated types are exactly what the served
// /openapi.json renders to, and every documented operation has a client method (or says why not).

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createCatalynxClient, CLIENT_ROUTES, OPERATIONS, type OperationId } from '../../src/client';
import type { OpenApiDocument } from '../../src/modules/openapi/build-openapi';
import { renderClientTypes } from '../../src/modules/openapi/render-client-types';
import { startInProcessWeb, type InProcessWeb } from '../support/in-process';
import { ROOT } from '../support/processes';
import { createTestDatabase, type TestDatabase } from '../support/services';

describe('client types against GET /openapi.json', () => {
  let db: TestDatabase;
  let web: InProcessWeb;
  let doc: OpenApiDocument;

  beforeAll(async () => {
    db = await createTestDatabase('sqlite');
    await (await db.open()).close();
    web = await startInProcessWeb({ DATABASE_URL: db.url });
    doc = (await createCatalynxClient({ baseUrl: web.url }).meta.openapi()) as OpenApiDocument;
  });
  afterAll(async () => {
    await web?.stop();
    await db?.cleanup();
  });

  it('src/client/openapi-types.ts is what the served document renders to (run `npm run generate:client` when this fails)', () => {
    const committed = readFileSync(join(ROOT, 'src', 'client', 'openapi-types.ts'), 'utf8');
    expect(committed).toBe(renderClientTypes(doc));
  });

  it('every documented (method, path) is an operation of the client, served where the document says', () => {
    const documented = Object.entries(doc.paths).flatMap(([path, ops]) =>
      Object.entries(ops as Record<string, { operationId: string }>).map(([method, op]) => ({ id: op.operationId, method, path })),
    );
    expect(documented.length).toBeGreaterThan(40);
    for (const { id, method, path } of documented) {
      expect({ id, ...OPERATIONS[id as OperationId] }).toEqual({ id, method, path });
    }
    expect(Object.keys(OPERATIONS).sort()).toEqual(documented.map((d) => d.id).sort());
  });

  it('every operation has a named client method, except the dashboard pages, which say why', () => {
    const client = createCatalynxClient({ baseUrl: web.url }) as unknown as Record<string, Record<string, unknown>>;
    for (const [id, route] of Object.entries(CLIENT_ROUTES)) {
      expect(OPERATIONS).toHaveProperty(id);
      if (typeof route !== 'string') {
        expect(id).toMatch(/dashboard/);
        continue;
      }
      const [group, method] = route.split('.');
      expect({ id, type: typeof client[group]?.[method] }).toEqual({ id, type: 'function' });
    }
    expect(Object.keys(CLIENT_ROUTES).sort()).toEqual(Object.keys(OPERATIONS).sort());
  });
});
