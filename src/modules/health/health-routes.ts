// GET /health (SystemHealth), /health/live and /health/ready for load balancers and Kubernetes probes.

import { z } from 'zod';
import { defineRoute, type RouteSpec } from '../../platform/http/route';
import type { HealthChecker } from './health-checker';
import { SystemHealthSchema } from './health-schemas';

export function healthRoutes(health: HealthChecker, readinessChecks: readonly string[]): RouteSpec[] {
  const statusCode = (s: string) => (s === 'unhealthy' ? 503 : 200);
  return [
    defineRoute({
      method: 'get',
      path: '/health',
      summary: 'Health of the platform and its backing services',
      tags: ['health'],
      scope: 'public',
      responses: {
        200: { description: 'Healthy or degraded (still serving)', schema: SystemHealthSchema },
        503: { description: 'Unhealthy', schema: SystemHealthSchema },
      },
      async handler() {
        const result = await health.check();
        return { status: statusCode(result.overall_status), body: result, headers: { 'Cache-Control': 'no-store' } };
      },
    }),
    defineRoute({
      method: 'get',
      path: '/health/live',
      summary: 'Liveness: the process is up and its event loop answers',
      tags: ['health'],
      scope: 'public',
      responses: { 200: { description: 'Alive', schema: z.object({ status: z.literal('alive') }) } },
      handler: () => ({ status: 200, body: { status: 'alive' }, headers: { 'Cache-Control': 'no-store' } }),
    }),
    defineRoute({
      method: 'get',
      path: '/health/ready',
      summary: 'Readiness: the database is reachable and migrations are current',
      tags: ['health'],
      scope: 'public',
      responses: {
        200: { description: 'Ready', schema: SystemHealthSchema },
        503: { description: 'Not ready', schema: SystemHealthSchema },
      },
      async handler() {
        const result = await health.checkOnly(readinessChecks);
        return { status: statusCode(result.overall_status), body: result, headers: { 'Cache-Control': 'no-store' } };
      },
    }),
  ];
}
