// GET /metrics on the web process: this process's registry in the Prometheus text format.

import type { Registry } from 'prom-client';
import { defineRoute, type RouteSpec } from '../../platform/http/route';

export function metricsRoute(registry: Registry): RouteSpec {
  return defineRoute({
    method: 'get',
    path: '/metrics',
    summary: 'Prometheus metrics of this process (text exposition format)',
    tags: ['meta'],
    // Public through PUBLIC_PATHS by default; an operator who removes it there requires a key.
    scope: 'read',
    responses: { 200: { description: 'Metrics in the Prometheus text format' } },
    async handler({ res }) {
      const body = await registry.metrics();
      res.setHeader('Content-Type', registry.contentType);
      res.setHeader('Cache-Control', 'no-store');
      res.status(200).send(body);
      return undefined;
    },
  });
}
