// The OpenAPI → TypeScript renderer: each JSON Schema shape zod emits becomes the matching type,
// and anything it does not understand becomes `unknown` rather than a wrong type.

import { renderClientTypes, schemaToType } from '../../../src/modules/openapi/render-client-types';

describe('schemaToType', () => {
  it('renders primitives, nullable unions, enums, constants and references', () => {
    expect(schemaToType({ type: 'string', minLength: 1 })).toBe('string');
    expect(schemaToType({ type: 'integer', maximum: 5 })).toBe('number');
    expect(schemaToType({ type: ['string', 'null'] })).toBe('string | null');
    expect(schemaToType({ type: 'string', enum: ['a', 'b'] })).toBe('"a" | "b"');
    expect(schemaToType({ const: 3 })).toBe('3');
    expect(schemaToType({ $ref: '#/components/schemas/Task' })).toBe('Task');
    expect(schemaToType({ anyOf: [{ type: 'string' }, { type: 'null' }] })).toBe('string | null');
  });

  it('renders objects with optional properties, records and arrays', () => {
    const type = schemaToType({
      type: 'object',
      properties: { id: { type: 'string' }, 'x-y': { type: 'array', items: { type: ['number', 'null'] } } },
      required: ['id'],
      additionalProperties: false,
    });
    expect(type).toBe('{\n  id: string;\n  "x-y"?: (number | null)[];\n}');
    expect(schemaToType({ type: 'object', propertyNames: { type: 'string' }, additionalProperties: { type: 'string' } })).toBe('{\n  [key: string]: string;\n}');
    expect(schemaToType({ type: 'array', prefixItems: [{ type: 'string' }, { type: 'number' }] })).toBe('[string, number]');
  });

  it('gives unknown for an empty schema and for keywords it does not know', () => {
    expect(schemaToType({})).toBe('unknown');
    expect(schemaToType({ description: 'anything' })).toBe('unknown');
    expect(schemaToType({ not: { type: 'string' } })).toBe('unknown');
    expect(schemaToType({ $ref: 'https://elsewhere.example/schema' })).toBe('unknown');
  });
});

describe('renderClientTypes', () => {
  const doc = {
    components: { schemas: { Thing: { type: 'object', properties: { id: { type: 'string' } }, required: ['id'] } } },
    paths: {
      '/things/{id}': {
        get: {
          operationId: 'get_things_by_id',
          parameters: [
            { name: 'id', in: 'path', required: true, schema: { type: 'string' } },
            { name: 'wait', in: 'query', required: false, schema: { type: 'number' } },
          ],
          responses: { 200: { description: 'ok', content: { 'application/json': { schema: { $ref: '#/components/schemas/Thing' } } } }, 204: { description: 'none' } },
        },
      },
    },
  };

  it('is deterministic and lists each operation with its parameters, body and answers', () => {
    const source = renderClientTypes(doc);
    expect(renderClientTypes(doc)).toBe(source);
    expect(source).toContain('export type Thing = {\n  id: string;\n};');
    expect(source).toContain('get_things_by_id: {\n    method: "get";\n    path: "/things/{id}";');
    expect(source).toContain('query: {\n      wait?: number;\n    };');
    expect(source).toContain('body: never;');
    expect(source).toContain('200: Thing;\n      204: null;');
    expect(source).toContain('get_things_by_id: { method: "get", path: "/things/{id}" },');
  });
});
