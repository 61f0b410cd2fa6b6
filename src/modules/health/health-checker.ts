// Runs every registered check in parallel, each bounded by a timeout, and aggregates the seed's SystemHealth.

import type { HealthCheck, HealthStatus, SystemHealth } from './health-schemas';

export interface CheckResult {
  status: HealthStatus;
  message: string;
  details?: Record<string, unknown>;
}

/** A check gets an AbortSignal that fires at its timeout; it should stop waiting then. */
export type CheckFn = (signal: AbortSignal) => Promise<CheckResult>;

export interface HealthChecker {
  /** Adds a check; a later registration with the same name replaces the earlier one. */
  register(name: string, check: CheckFn): void;
  check(): Promise<SystemHealth>;
  /** Runs only the named checks (readiness uses a subset). */
  checkOnly(names: readonly string[]): Promise<SystemHealth>;
}

export interface HealthCheckerOptions {
  version: string;
  timeoutMs: number;
  now?: () => number;
  startedAt?: number;
}

const RANK: Record<HealthStatus, number> = { healthy: 0, degraded: 1, unhealthy: 2 };

export function createHealthChecker(opts: HealthCheckerOptions): HealthChecker {
  const now = opts.now ?? Date.now;
  const startedAt = opts.startedAt ?? now();
  const checks = new Map<string, CheckFn>();

  async function runOne(name: string, fn: CheckFn): Promise<HealthCheck> {
    const controller = new AbortController();
    const started = performance.now();
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<CheckResult>((resolve) => {
      timer = setTimeout(() => {
        controller.abort();
        resolve({ status: 'unhealthy', message: `check timed out after ${opts.timeoutMs} ms` });
      }, opts.timeoutMs);
    });
    let result: CheckResult;
    try {
      result = await Promise.race([fn(controller.signal), timeout]);
    } catch (err) {
      result = { status: 'unhealthy', message: err instanceof Error ? err.message : String(err) };
    } finally {
      clearTimeout(timer);
    }
    return {
      name,
      status: result.status,
      message: result.message,
      response_time_ms: Math.round((performance.now() - started) * 100) / 100,
      timestamp: new Date(now()).toISOString(),
      details: result.details ?? null,
    };
  }

  async function aggregate(entries: [string, CheckFn][]): Promise<SystemHealth> {
    const components = await Promise.all(entries.map(([name, fn]) => runOne(name, fn)));
    const overall = components.reduce<HealthStatus>((acc, c) => (RANK[c.status] > RANK[acc] ? c.status : acc), 'healthy');
    return {
      overall_status: overall,
      components,
      uptime_seconds: Math.round((now() - startedAt) / 10) / 100,
      version: opts.version,
    };
  }

  return {
    register(name, check) {
      checks.set(name, check);
    },
    check() {
      return aggregate([...checks.entries()]);
    },
    checkOnly(names) {
      return aggregate([...checks.entries()].filter(([name]) => names.includes(name)));
    },
  };
}
