// POST/GET /api/services and DELETE /api/services/:name (admin): register the upstream services the gateway proxies to.
//
// A registration is refused (400) when base_url or health_url fails the outbound policy, or
// when a route prefix is not under /api, overlaps a platform prefix (/api/agents, /api/tasks,
// …) or a declared route, and (409) when it overlaps another service's prefix.

import { z } from 'zod';
import { ConflictError, NotFoundError, ValidationError } from '../../platform/errors';
import { defineRoute, type RouteSpec } from '../../platform/http/route';
import type { Notifier } from '../../platform/notifier';
import type { OutboundPolicy } from './outbound-policy';
import { SERVICES_CHANNEL, type ServiceDirectory } from './service-directory';
import type { ServiceRecord, ServiceStore } from './service-store';

/** Prefixes the platform owns now or will own; services may not take them or anything under them. */
export const RESERVED_PREFIXES: readonly string[] = [
  '/api/agents',
  '/api/tasks',
  '/api/workflows',
  '/api/workflow-runs',
  '/api/profiles',
  '/api/events',
  '/api/flags',
  '/api/keys',
  '/api/services',
];

export const RegisterServiceSchema = z
  .object({
    name: z.string().regex(/^[a-z0-9][a-z0-9_-]{0,62}$/, 'lower-case letters, digits, "-" and "_", at most 63 characters'),
    base_url: z.string().url(),
    routes: z.array(z.string().regex(/^\/api(\/[A-Za-z0-9._~-]+)+$/, 'a path prefix under /api such as /api/discovery')).min(1).max(50),
    health_url: z.string().url().optional(),
    timeout_ms: z.number().int().min(10).max(600_000).optional(),
  })
  .strict()
  .meta({ id: 'RegisterService' });

const ServiceSchema = z
  .object({
    name: z.string(),
    base_url: z.string(),
    routes: z.array(z.string()),
    health_url: z.string().nullable(),
    timeout_ms: z.number().nullable(),
    created_at: z.string(),
    updated_at: z.string(),
  })
  .meta({ id: 'Service' });

/** True when one prefix equals the other or lies under it. */
export function prefixesOverlap(a: string, b: string): boolean {
  const x = a.replace(/\/+$/, '');
  const y = b.replace(/\/+$/, '');
  return x === y || x.startsWith(`${y}/`) || y.startsWith(`${x}/`);
}

function toView(r: ServiceRecord): z.infer<typeof ServiceSchema> {
  return { ...r, created_at: new Date(r.created_at).toISOString(), updated_at: new Date(r.updated_at).toISOString() };
}

/** Route prefixes without trailing slashes and duplicates. */
export function normalizeRoutes(routes: readonly string[]): string[] {
  return [...new Set(routes.map((r) => r.replace(/\/+$/, '')))];
}

/** Why a service may not take these prefixes: they overlap the platform's own routes. */
export function routeProblems(routes: readonly string[], declaredPaths: readonly string[]): string[] {
  const problems: string[] = [];
  for (const route of routes) {
    const reserved = RESERVED_PREFIXES.find((p) => prefixesOverlap(route, p));
    if (reserved) problems.push(`route ${route} overlaps the platform's ${reserved}`);
    // A declared path's static part up to its first parameter decides an overlap.
    const declared = declaredPaths.find((p) => prefixesOverlap(route, p.split('/:')[0]!));
    if (!reserved && declared) problems.push(`route ${route} overlaps the platform route ${declared}`);
  }
  return problems;
}

export interface ServiceRoutesDeps {
  store: ServiceStore;
  directory: ServiceDirectory;
  outbound: OutboundPolicy;
  notifier: Notifier;
  /** The paths of every declared route (read when a service registers, so later modules count too). */
  declaredPaths(): readonly string[];
}

export function serviceRoutes(deps: ServiceRoutesDeps): RouteSpec[] {
  return [
    defineRoute({
      method: 'post',
      path: '/api/services',
      summary: 'Register an external service whose route prefixes the gateway proxies',
      tags: ['services'],
      scope: 'admin',
      body: RegisterServiceSchema,
      responses: { 201: { description: 'Registered', schema: ServiceSchema }, 409: { description: 'Name or prefix taken' } },
      async handler({ body }) {
        const routes = normalizeRoutes(body.routes);
        const problems = routeProblems(routes, deps.declaredPaths());
        if (problems.length) throw new ValidationError(`The service cannot take these routes: ${problems.join('; ')}`, { problems });
        await deps.outbound.checkUrl(body.base_url);
        if (body.health_url) await deps.outbound.checkUrl(body.health_url);
        const taken = (await deps.store.list()).flatMap((s) => s.routes.filter((r) => routes.some((mine) => prefixesOverlap(mine, r))).map((r) => `${r} (service ${s.name})`));
        if (taken.length) throw new ConflictError(`Routes already proxied by another service: ${taken.join(', ')}`, { taken });
        const record = await deps.store.create({
          name: body.name,
          base_url: body.base_url,
          routes,
          health_url: body.health_url ?? null,
          timeout_ms: body.timeout_ms ?? null,
        });
        deps.directory.invalidate();
        deps.notifier.publish(SERVICES_CHANNEL, record.name);
        return { status: 201, body: toView(record) };
      },
    }),
    defineRoute({
      method: 'get',
      path: '/api/services',
      summary: 'List registered services',
      tags: ['services'],
      scope: 'admin',
      responses: { 200: { description: 'Services', schema: z.object({ services: z.array(ServiceSchema) }) } },
      async handler() {
        return { status: 200, body: { services: (await deps.store.list()).map(toView) } };
      },
    }),
    defineRoute({
      method: 'delete',
      path: '/api/services/:name',
      summary: 'Remove a service; its prefixes stop being proxied',
      tags: ['services'],
      scope: 'admin',
      params: z.object({ name: z.string().min(1).max(63) }),
      responses: { 204: { description: 'Removed' }, 404: { description: 'No such service' } },
      async handler({ params }) {
        if (!(await deps.store.remove(params.name))) throw new NotFoundError('Service', params.name);
        deps.directory.invalidate();
        deps.notifier.publish(SERVICES_CHANNEL, params.name);
        return { status: 204 };
      },
    }),
  ];
}
