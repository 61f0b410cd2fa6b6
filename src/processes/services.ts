// The composition root's middle layer: builds the module services and routes from the platform pieces.
// Each module contributes through one `build…` call below; process entrypoints start what they need.

import { createEventStore, type EventStore } from '../modules/events/event-store';
import { wireEvents } from '../modules/events/wire-events';
import { wireFlags } from '../modules/flags/wire-flags';
import type { FeatureFlags } from '../modules/flags/feature-flags';
import { createHealthChecker, type HealthChecker } from '../modules/health/health-checker';
import { healthRoutes } from '../modules/health/health-routes';
import { wireDashboard } from '../modules/dashboard/wire-dashboard';
import { wireGateway, type Gateway } from '../modules/gateway/wire-gateway';
import { databaseCheck, migrationsCheck, redisCheck } from '../modules/health/platform-checks';
import { wireProfiles } from '../modules/profiles/wire-profiles';
import type { Profiles } from '../modules/profiles/profiles';
import { wireIntelligence } from '../modules/intelligence/wire-intelligence';
import { builtinAgents } from '../agents/builtin-agents';
import { createOutboundPolicy } from '../modules/gateway/outbound-policy';
import { wireTasks, type TaskServices } from '../modules/tasks/wire-tasks';
import { wireWorkflows, type WorkflowServices } from '../modules/workflows/wire-workflows';
import { createProcessMetrics, wireMetrics, type ProcessMetrics } from '../modules/metrics/wire-metrics';
import { openApiRoute } from '../modules/openapi/openapi-route';
import { Registry } from 'prom-client';
import type { RouteSpec } from '../platform/http/route';
import type { Platform } from './platform';

/** A long-running component a process type starts (subscriptions, loops); stop() is idempotent. */
export interface Runnable {
  name: string;
  start(): Promise<void>;
  stop(): Promise<void>;
}

export interface Services {
  readonly health: HealthChecker;
  readonly events: EventStore;
  readonly routes: RouteSpec[];
  /** Background components run by the worker process type (and `all`). */
  readonly workerRunnables: Runnable[];
  /** Background components run by the scheduler process type (and `all`). */
  readonly schedulerRunnables: Runnable[];
  /** Run by every process type before it starts serving (e.g. registering builtin agents). */
  readonly initializers: (() => Promise<void>)[];
  /** Agents, the task queue, the worker and the periodic scheduler. */
  tasks?: TaskServices;
  /** The API gateway (keys, rate limits, proxy); set by its wiring line below. */
  gateway?: Gateway;
  /** Feature flags from this process's refreshed snapshot; set by its wiring line below. */
  flags?: FeatureFlags;
  /** Workflow definitions and saga runs (startRun, onRunFinished); set by its wiring line below. */
  workflows?: WorkflowServices;
  /** Profile commands (create, get, recordIntelligenceReport); set by its wiring line below. */
  profiles?: Profiles;
  /** This process's metrics registry and the instruments modules feed; set below. */
  metrics?: ProcessMetrics;
}

/** Runs the initializers (each process type calls this before starting its components). */
export async function initializeServices(services: Services): Promise<void> {
  for (const init of services.initializers) await init();
}

export function buildServices(platform: Platform): Services {
  const { config, database, redis } = platform;
  const health = createHealthChecker({ version: config.version, timeoutMs: config.health.checkTimeoutMs });
  health.register('database', databaseCheck(database));
  health.register('migrations', migrationsCheck(database));
  if (redis) health.register('redis', redisCheck(redis));

  const events = createEventStore(database);

  const services: Services = {
    health,
    events,
    routes: [...healthRoutes(health, ['database', 'migrations'])],
    workerRunnables: [],
    schedulerRunnables: [],
    initializers: [],
  };

  // Module wiring (one line per module) goes below.
  // Metrics first: the tasks module feeds its counters. One registry per process, never the global one.
  const metrics = (services.metrics = createProcessMetrics(new Registry(), () => services.routes));
  services.flags = wireFlags(services, platform);
  // Agent endpoints and health-check URLs go through the same SSRF policy as proxy targets.
  const outbound = createOutboundPolicy({ allowedHosts: config.gateway.outboundAllowedHosts });
  const flags = services.flags;
  services.tasks = wireTasks(services, platform, {
    builtins: builtinAgents(platform, { isEnabled: (flag, ctx) => flags.isEnabled(flag, ctx) }),
    checkOutboundUrl: (url) => outbound.checkUrl(url),
    ...metrics.tasks,
  });
  services.workflows = wireWorkflows(services, platform);
  wireEvents(services, platform);
  services.profiles = wireProfiles(services, platform);
  wireIntelligence(services, platform);
  wireDashboard(services);
  services.gateway = wireGateway(services, platform);
  wireMetrics(services, platform);
  // Last: the document describes services.routes as they are when it is first requested.
  services.routes.push(
    openApiRoute({ info: { title: 'Catalynx API', version: config.version }, routes: () => services.routes, publicPaths: config.gateway.publicPaths }),
  );

  return services;
}
