// GET /openapi.json: the document built from the final list of declared routes, on first request.

import { defineRoute, type RouteSpec } from '../../platform/http/route';
import { buildOpenApi, type OpenApiDocument, type OpenApiInfo } from './build-openapi';

export interface OpenApiRouteOptions {
  info: OpenApiInfo;
  /**
   * The declared routes, read when the document is first requested: modules keep adding routes
   * while the services are composed, and the document must describe every one of them.
   */
  routes(): readonly RouteSpec[];
  /** PUBLIC_PATHS: routes served without a key whatever their scope. */
  publicPaths: readonly string[];
}

export function openApiRoute(opts: OpenApiRouteOptions): RouteSpec {
  let document: OpenApiDocument | undefined;
  return defineRoute({
    method: 'get',
    path: '/openapi.json',
    summary: 'The OpenAPI 3.1 description of this API',
    tags: ['meta'],
    // Public through PUBLIC_PATHS by default; an operator who removes it there requires a key.
    scope: 'read',
    responses: { 200: { description: 'The OpenAPI document' } },
    handler: () => {
      // Built once: the routes are fixed by the time the app serves. A build error (a schema zod
      // cannot describe) surfaces as a 500 on this route and is retried on the next request.
      document ??= buildOpenApi({ info: opts.info, routes: opts.routes(), publicPaths: opts.publicPaths });
      return { status: 200, body: document };
    },
  });
}
