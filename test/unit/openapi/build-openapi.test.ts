// The OpenAPI builder on small hand-made routes: paths, parameters, named schemas, error answers.

import { z } from 'zod';
import { buildOpenApi, toOpenApiPath } from '../../../src/modules/openapi/build-openapi';
import { defineRoute, type RouteSpec } from '../../../src/platform/http/route';

const registry = z.registry<{ id?: string }>();
const Widget = z.object({ name: z.string(), size: z.number().int().default(1) }).register(registry, { id: 'Widget' });
const WidgetList = z.object({ widgets: z.array(Widget) });

const routes: RouteSpec[] = [
  defineRoute({
    method: 'post',
    path: '/api/widgets/:id/parts/:part_id',
    summary: 'Add a part',
    tags: ['widgets'],
    scope: 'admin',
    params: z.object({ id: z.string(), part_id: z.string() }),
    query: z.object({ dry_run: z.enum(['true', 'false']).optional(), tag: z.string() }),
    body: Widget,
    responses: { 201: { description: 'Created', schema: Widget } },
    handler: () => ({ status: 201 }),
  }),
  defineRoute({
    method: 'get',
    path: '/api/widgets',
    summary: 'List widgets',
    tags: ['widgets'],
    scope: 'read',
    responses: { 200: { description: 'The widgets', schema: WidgetList } },
    handler: () => ({ status: 200 }),
  }),
  defineRoute({ method: 'get', path: '/status', summary: 'Status', tags: ['meta'], scope: 'read', responses: { 200: { description: 'OK' } }, handler: () => ({ status: 200 }) }),
];

describe('buildOpenApi', () => {
  const doc = buildOpenApi({ info: { title: 'T', version: '1.2.3' }, routes, publicPaths: ['/status'], registry });
  const add = doc.paths['/api/widgets/{id}/parts/{part_id}'].post as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- plain JSON

  it('turns Express path parameters into templates and documents them as required path parameters', () => {
    expect(toOpenApiPath('/a/:id/b/:run_id')).toBe('/a/{id}/b/{run_id}');
    expect(add.parameters).toEqual([
      { name: 'id', in: 'path', required: true, schema: { type: 'string' } },
      { name: 'part_id', in: 'path', required: true, schema: { type: 'string' } },
      { name: 'dry_run', in: 'query', required: false, schema: { type: 'string', enum: ['true', 'false'] } },
      { name: 'tag', in: 'query', required: true, schema: { type: 'string' } },
    ]);
  });

  it('names the request shape apart when it differs from the response shape (defaults)', () => {
    expect(add.requestBody.content['application/json'].schema).toEqual({ $ref: '#/components/schemas/WidgetInput' });
    expect(add.responses['201'].content['application/json'].schema).toEqual({ $ref: '#/components/schemas/Widget' });
    expect(doc.components.schemas.Widget).toMatchObject({ required: ['name', 'size'] });
    expect(doc.components.schemas.WidgetInput).toMatchObject({ required: ['name'] });
    const list = doc.paths['/api/widgets'].get as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- plain JSON
    expect(list.responses['200'].content['application/json'].schema.properties.widgets.items).toEqual({ $ref: '#/components/schemas/Widget' });
  });

  it('adds the JSON error answers each route can give', () => {
    expect(Object.keys(add.responses).sort()).toEqual(['201', '400', '401', '403', '415', '429', '500']);
    expect(add.security).toEqual([{ bearerAuth: [] }, { apiKey: [] }]);
    expect(Object.keys(doc.paths['/api/widgets'].get!.responses as object).sort()).toEqual(['200', '401', '403', '429', '500']);
    expect(doc.components.schemas.Error).toBeDefined();
  });

  it('documents a route on a public path as callable without a key', () => {
    const status = doc.paths['/status'].get as Record<string, unknown>;
    expect(status.security).toEqual([]);
    expect(Object.keys(status.responses as object).sort()).toEqual(['200', '500']);
  });
});
