// Builds the OpenAPI 3.1 document from the declared routes: the same zod schemas that validate
// requests become the parameters, request bodies and responses; named schemas (`.meta({id})`)
// are hoisted into components.schemas and referenced with $ref.

import { z } from 'zod';
import type { HttpMethod, RouteSpec } from '../../platform/http/route';
import { ErrorBodySchema } from '../../platform/http/http-errors';
import { OpenApiBuildError } from './openapi-errors';

/** A JSON Schema object as zod emits it (plain JSON, so `unknown` values). */
type JsonSchema = Record<string, unknown>;

export interface OpenApiInfo {
  title: string;
  version: string;
  description?: string;
}

export interface BuildOpenApiOptions {
  info: OpenApiInfo;
  routes: readonly RouteSpec[];
  /**
   * Paths the gateway serves without a key whatever their declared scope (PUBLIC_PATHS):
   * documented with `security: []` and without the 401/403/429 answers.
   */
  publicPaths?: readonly string[];
  /**
   * Where named schemas (`.meta({id})`) are registered; every one of them is documented, also
   * those no route uses directly (AgentConfig, which RegisterAgent extends). zod's global
   * registry by default, which is where `.meta()` puts them.
   */
  registry?: z.core.$ZodRegistry<{ id?: string }>;
}

export interface OpenApiDocument {
  openapi: '3.1.0';
  info: OpenApiInfo;
  tags: { name: string }[];
  paths: Record<string, Partial<Record<HttpMethod, JsonSchema>>>;
  components: { schemas: Record<string, JsonSchema>; securitySchemes: Record<string, JsonSchema> };
}

const COMPONENT_PREFIX = '#/components/schemas/';
const ERROR_ANSWERS: Record<number, string> = {
  400: 'The request did not validate',
  401: 'No API key, or an unknown or revoked one',
  403: "The key's scopes do not allow this route",
  415: 'The body is not application/json',
  429: 'Rate limit exceeded',
  500: 'Unexpected error',
};

/** Express `:param` segments → OpenAPI `{param}` templates. */
export function toOpenApiPath(path: string): string {
  return path.replace(/:([A-Za-z0-9_]+)/g, '{$1}');
}

type Io = 'input' | 'output';
const DEFS_REF = /^#\/\$defs\/(input|output)\/(.+)$/;

/**
 * Converts zod schemas and collects their named parts. A conversion's `$defs` are kept per io
 * ('input' for requests, 'output' for responses) under temporary `#/$defs/<io>/<id>` refs;
 * `finish()` then names them: `<id>` for the response shape, and the same `<id>` for the request
 * shape when it is identical (all the way down), `<id>Input` otherwise (defaults, transforms).
 */
function createSchemaCollector(registry: z.core.$ZodRegistry<{ id?: string }>) {
  const defs: Record<Io, Map<string, JsonSchema>> = { input: new Map(), output: new Map() };
  let anonymous = 0;

  const mapRefs = (value: unknown, ref: (target: string) => string): unknown => {
    if (Array.isArray(value)) return value.map((v) => mapRefs(v, ref));
    if (value === null || typeof value !== 'object') return value;
    const out: JsonSchema = {};
    for (const [k, v] of Object.entries(value)) out[k] = k === '$ref' && typeof v === 'string' ? ref(v) : mapRefs(v, ref);
    return out;
  };

  function convert(schema: z.ZodType, io: Io, inline = false): JsonSchema {
    const json = z.toJSONSchema(schema, {
      target: 'draft-2020-12',
      io,
      unrepresentable: 'any',
      // Parameters are described property by property, so they must not become $refs.
      metadata: inline ? z.registry<{ id?: string }>() : registry,
    }) as JsonSchema;
    delete json.$schema;
    const own = (json.$defs ?? {}) as Record<string, JsonSchema>;
    delete json.$defs;
    // zod names shared anonymous (cyclic) schemas `__schemaN` per conversion: make them document-wide.
    const names = new Map<string, string>();
    for (const key of Object.keys(own)) names.set(key, key.startsWith('__schema') ? `Schema${++anonymous}` : key);
    const ref = (target: string) => {
      if (!target.startsWith('#/$defs/')) return target;
      const key = target.slice('#/$defs/'.length);
      return `#/$defs/${io}/${names.get(key) ?? key}`;
    };
    for (const [key, def] of Object.entries(own)) {
      const name = names.get(key) ?? key;
      // The first schema to claim an id wins; ids are meant to be unique across the codebase.
      if (!defs[io].has(name)) defs[io].set(name, mapRefs(def, ref) as JsonSchema);
    }
    return mapRefs(json, ref) as JsonSchema;
  }

  /** Converts a schema the document always names `id` (the error body), registered or not. */
  function convertNamed(id: string, schema: z.ZodType, io: Io): JsonSchema {
    const json = convert(schema, io);
    if (typeof json.$ref === 'string' && Object.keys(json).length === 1) return json;
    if (!defs[io].has(id)) defs[io].set(id, json);
    return { $ref: `#/$defs/${io}/${id}` };
  }

  /** Adds the registry's named schemas no conversion has met yet (as response shapes). */
  function addRegistered(): void {
    const { schemas } = z.toJSONSchema(registry, {
      target: 'draft-2020-12',
      io: 'output',
      unrepresentable: 'any',
      uri: (id) => `#/$defs/output/${id}`,
    }) as { schemas: Record<string, JsonSchema> };
    for (const [id, schema] of Object.entries(schemas)) {
      // A schema with its own $defs (an anonymous cycle) would need them hoisted too; such
      // schemas are documented when a route uses them, through convert().
      if (defs.output.has(id) || schema.$defs) continue;
      const { $schema: _schema, $id: _id, ...rest } = schema;
      defs.output.set(id, rest);
    }
  }

  /** Rewrites temporary refs in `documentParts` to components and returns components.schemas. */
  function finish<T>(documentPart: T): { part: T; schemas: Record<string, JsonSchema> } {
    const sameCache = new Map<string, boolean>();
    const inputIsOutput = (id: string, visiting: Set<string>): boolean => {
      const cached = sameCache.get(id);
      if (cached !== undefined) return cached;
      if (visiting.has(id)) return true; // a cycle: equal unless something else on it differs
      const input = defs.input.get(id);
      const output = defs.output.get(id);
      let same = input !== undefined && output !== undefined;
      if (same) {
        const text = JSON.stringify(input);
        same = text.split('#/$defs/input/').join('#/$defs/output/') === JSON.stringify(output);
        visiting.add(id);
        for (const m of text.matchAll(/"#\/\$defs\/input\/([^"]+)"/g)) if (same) same = inputIsOutput(m[1], visiting);
        visiting.delete(id);
      }
      if (visiting.size === 0) sameCache.set(id, same);
      return same;
    };
    const nameOf = (io: Io, id: string): string => {
      if (io === 'output' || !defs.output.has(id)) return id;
      return inputIsOutput(id, new Set()) ? id : `${id}Input`;
    };
    const ref = (target: string) => {
      const m = DEFS_REF.exec(target);
      return m ? `${COMPONENT_PREFIX}${nameOf(m[1] as Io, m[2])}` : target;
    };
    const schemas: Record<string, JsonSchema> = {};
    for (const io of ['output', 'input'] as const) {
      for (const [id, def] of defs[io]) {
        const name = nameOf(io, id);
        if (!(name in schemas)) schemas[name] = mapRefs(def, ref) as JsonSchema;
      }
    }
    const sorted = Object.fromEntries(Object.entries(schemas).sort(([a], [b]) => a.localeCompare(b)));
    return { part: mapRefs(documentPart, ref) as T, schemas: sorted };
  }

  return { convert, convertNamed, addRegistered, finish };
}

/** The properties of an object schema as OpenAPI parameters. */
function parametersOf(json: JsonSchema, where: 'path' | 'query'): JsonSchema[] {
  const properties = (json.properties ?? {}) as Record<string, JsonSchema>;
  const required = new Set((json.required ?? []) as string[]);
  return Object.entries(properties).map(([name, schema]) => {
    const { description, ...rest } = schema;
    return {
      name,
      in: where,
      required: where === 'path' ? true : required.has(name),
      ...(typeof description === 'string' ? { description } : {}),
      schema: rest,
    };
  });
}

function operationId(route: RouteSpec): string {
  const words = route.path
    .split('/')
    .filter(Boolean)
    .map((seg) => (seg.startsWith(':') ? `by_${seg.slice(1)}` : seg.replace(/[^A-Za-z0-9]+/g, '_')));
  return [route.method, ...words].join('_');
}

export function buildOpenApi(opts: BuildOpenApiOptions): OpenApiDocument {
  const components = createSchemaCollector(opts.registry ?? z.globalRegistry);
  // ErrorBodySchema carries `.meta({id: 'Error'})` in zod's registry; named `Error` whatever the registry.
  const errorRef = components.convertNamed('Error', ErrorBodySchema, 'output');
  const publicPaths = new Set((opts.publicPaths ?? []).map((p) => p.replace(/\/+$/, '') || '/'));
  const paths: OpenApiDocument['paths'] = {};
  const tags = new Set<string>();

  for (const route of opts.routes) {
    const where = `${route.method.toUpperCase()} ${route.path}`;
    try {
      const isPublic = route.scope === 'public' || publicPaths.has(route.path);
      const parameters: JsonSchema[] = [];
      if (route.params) parameters.push(...parametersOf(components.convert(route.params, 'input', true), 'path'));
      // Path templates without a params schema still need their parameters declared.
      for (const m of route.path.matchAll(/:([A-Za-z0-9_]+)/g)) {
        if (!parameters.some((p) => p.in === 'path' && p.name === m[1])) {
          parameters.push({ name: m[1], in: 'path', required: true, schema: { type: 'string' } });
        }
      }
      if (route.query) parameters.push(...parametersOf(components.convert(route.query, 'input', true), 'query'));

      const responses: Record<string, JsonSchema> = {};
      for (const [status, spec] of Object.entries(route.responses)) {
        responses[status] = {
          description: spec.description,
          ...(spec.schema ? { content: { 'application/json': { schema: components.convert(spec.schema, 'output') } } } : {}),
        };
      }
      const errors = [500];
      if (route.params || route.query || route.body) errors.push(400);
      if (route.body) errors.push(415);
      if (!isPublic) errors.push(401, 403, 429);
      for (const status of errors.sort((a, b) => a - b)) {
        responses[String(status)] ??= { description: ERROR_ANSWERS[status], content: { 'application/json': { schema: errorRef } } };
      }

      for (const tag of route.tags) tags.add(tag);
      const operation: JsonSchema = {
        operationId: operationId(route),
        summary: route.summary,
        tags: route.tags,
        security: isPublic ? [] : [{ bearerAuth: [] }, { apiKey: [] }],
        ...(isPublic ? {} : { 'x-required-scope': route.scope }),
        ...(parameters.length ? { parameters } : {}),
        ...(route.body
          ? { requestBody: { required: true, content: { 'application/json': { schema: components.convert(route.body, 'input') } } } }
          : {}),
        responses,
      };
      const path = toOpenApiPath(route.path);
      paths[path] ??= {};
      (paths[path] as Record<string, JsonSchema>)[route.method] = operation;
    } catch (err) {
      throw new OpenApiBuildError(`cannot describe ${where}: ${(err as Error).message}`, where, { cause: err });
    }
  }

  components.addRegistered();
  const finished = components.finish(paths);
  return {
    openapi: '3.1.0',
    info: opts.info,
    tags: [...tags].sort().map((name) => ({ name })),
    paths: finished.part,
    components: {
      schemas: finished.schemas,
      securitySchemes: {
        bearerAuth: { type: 'http', scheme: 'bearer', description: 'An API key as `Authorization: Bearer <key>`' },
        apiKey: { type: 'apiKey', in: 'header', name: 'X-API-Key', description: 'An API key in the X-API-Key header' },
      },
    },
  };
}
