// Wires this process's metrics: one prom-client Registry per process (created by the composition
// root, never the global default), the counters modules feed, the scrape-time gauges, GET /metrics
// on the web, and the METRICS_PORT server of the worker and scheduler.

import { collectDefaultMetrics, Gauge, type Registry } from 'prom-client';
import type { Platform } from '../../processes/platform';
import type { Services } from '../../processes/services';
import type { RouteSpec } from '../../platform/http/route';
import { BREAKER_STATE_VALUES, registerDatabaseGauges } from './database-gauges';
import { createHttpMetrics, type RequestObserver } from './http-metrics';
import { MetricsWiringError } from './metrics-errors';
import { metricsRoute } from './metrics-route';
import { startMetricsServer } from './metrics-server';
import { createTaskMetrics, type TaskMetrics } from './task-metrics';

export interface ProcessMetrics {
  readonly registry: Registry;
  /** wireTasks' observability hooks (spread into its options). */
  readonly tasks: TaskMetrics;
  /** createApp's onRequestFinished. */
  readonly onRequestFinished: RequestObserver;
}

/**
 * The instruments modules feed while they are wired. `declaredRoutes` is read on the first
 * request (the list is complete by then) to keep raw paths out of the route label.
 */
export function createProcessMetrics(registry: Registry, declaredRoutes: () => readonly RouteSpec[]): ProcessMetrics {
  let known: Set<string> | undefined;
  const isDeclaredRoute = (route: string) => (known ??= new Set(declaredRoutes().map((r) => r.path))).has(route);
  return { registry, tasks: createTaskMetrics(registry), onRequestFinished: createHttpMetrics(registry, isDeclaredRoute) };
}

/** After the modules: process metrics, the gauges read from the database, and GET /metrics. */
export function wireMetrics(services: Services, platform: Platform): void {
  const { metrics, tasks } = services;
  if (!metrics || !tasks) throw new MetricsWiringError('wireMetrics needs services.metrics and services.tasks: wire them first');
  collectDefaultMetrics({ register: metrics.registry });
  registerDatabaseGauges(metrics.registry, {
    database: platform.database,
    queue: tasks.queue,
    breakers: tasks.breakers,
    events: services.events,
    logger: platform.logger,
  });
  const gateway = services.gateway;
  if (gateway) {
    new Gauge({
      name: 'catalynx_service_circuit_breaker_state',
      help: "Circuit breaker state per proxied service in this web process: 0 closed, 1 half_open, 2 open",
      labelNames: ['service'] as const,
      registers: [metrics.registry],
      collect() {
        this.reset();
        for (const [service, state] of Object.entries(gateway.serviceBreakerStates())) this.set({ service }, BREAKER_STATE_VALUES[state] ?? 0);
      },
    });
  }
  services.routes.push(metricsRoute(metrics.registry));
}

/**
 * Worker and scheduler: serve /metrics on METRICS_PORT (not exposed when unset). In `all`, the
 * web serves /metrics on PORT and this is not called.
 */
export async function serveMetrics(platform: Platform, metrics: ProcessMetrics): Promise<void> {
  const { config, logger, shutdown } = platform;
  if (config.metrics.port === null) return;
  const server = await startMetricsServer({ registry: metrics.registry, http: { ...config.http, port: config.metrics.port }, logger });
  shutdown.onShutdown('metrics server', () => server.close(config.shutdownTimeoutMs));
  logger.info('metrics listening', { port: server.port, url: `${server.url}/metrics` });
}
