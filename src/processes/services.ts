// The composition root's middle layer: builds the module services and routes from the platform pieces.
// Each module contributes through one `build…` call below; process entrypoints start what they need.

import { createEventStore, type EventStore } from '../modules/events/event-store';
import { wireEvents } from '../modules/events/wire-events';
import { wireFlags } from '../modules/flags/wire-flags';
import type { FeatureFlags } from '../modules/flags/feature-flags';
import { createHealthChecker, type HealthChecker } from '../modules/health/health-checker';
import { healthRoutes } from '../modules/health/health-routes';
import { wireGateway, type Gateway } from '../modules/gateway/wire-gateway';
import { databaseCheck, migrationsCheck, redisCheck } from '../modules/health/platform-checks';
import { wireProfiles } from '../modules/profiles/wire-profiles';
import { builtinAgents } from '../agents/builtin-agents';
import { createOutboundPolicy } from '../modules/gateway/outbound-policy';
import { wireTasks, type TaskServices } from '../modules/tasks/wire-tasks';
import { wireWorkflows, type WorkflowServices } from '../modules/workflows/wire-workflows';
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
  services.flags = wireFlags(services, platform);
  // Agent endpoints and health-check URLs go through the same SSRF policy as proxy targets.
  const outbound = createOutboundPolicy({ allowedHosts: config.gateway.outboundAllowedHosts });
  const flags = services.flags;
  services.tasks = wireTasks(services, platform, {
    builtins: builtinAgents(platform, { isEnabled: (flag, ctx) => flags.isEnabled(flag, ctx) }),
    checkOutboundUrl: (url) => outbound.checkUrl(url),
  });
  services.workflows = wireWorkflows(services, platform);
  wireEvents(services, platform);
  wireProfiles(services, platform);
  services.gateway = wireGateway(services, platform);

  return services;
}
