// The server side of the HTTP benchmark, run in its own process (autocannon loads it from the
// parent): Catalynx's web process, a bare Express baseline, and the gateway with and without its guard.

// services first: src/agents ↔ src/processes import each other, and entering the cycle elsewhere
// leaves builtinAgents undefined when services.ts runs.
import { buildServices, initializeServices } from '../src/processes/services';
import { randomUUID } from 'node:crypto';
import { newRowId } from '../src/platform/ids';
import BetterSqlite3 from 'better-sqlite3';
import express from 'express';
import { z } from 'zod';
import { loadConfig } from '../src/config';
import { createHealthChecker } from '../src/modules/health/health-checker';
import { wireGateway } from '../src/modules/gateway/wire-gateway';
import { createApp } from '../src/platform/http/create-app';
import { listen } from '../src/platform/http/http-server';
import { defineRoute, type RouteSpec } from '../src/platform/http/route';
import { migrateToLatest } from '../src/platform/db';
import { createPlatform } from '../src/processes/platform';
import { startWeb } from '../src/processes/start-web';

export type HttpTargetKind = 'catalynx-execute' | 'express-execute' | 'gateway-guarded' | 'gateway-bare';

export const BENCH_ADMIN_KEY = 'bench-admin-key-0123456789abcdef';

function catalynxConfig(databaseUrl: string) {
  return loadConfig({
    NODE_ENV: 'production',
    LOG_LEVEL: 'error',
    DATABASE_URL: databaseUrl,
    PORT: '0',
    HOST: '127.0.0.1',
    ADMIN_API_KEY: BENCH_ADMIN_KEY,
    // The limiter still counts every request; the limit is only set out of the load's reach.
    RATE_LIMIT_REQUESTS: '1000000',
  });
}

async function start(kind: HttpTargetKind, databaseUrl: string, filename: string): Promise<{ url: string; stop(): Promise<void> }> {
  if (kind === 'catalynx-execute') {
    const platform = createPlatform('web', catalynxConfig(databaseUrl));
    await migrateToLatest(platform.database);
    const services = buildServices(platform);
    await initializeServices(services);
    const server = await startWeb(platform, services);
    return { url: server.url, stop: () => platform.shutdown.run('benchmark finished').then(() => undefined) };
  }
  if (kind === 'express-execute') {
    // Same file kind and pragmas as Catalynx; inserts the row Catalynx's enqueue() inserts.
    const db = new BetterSqlite3(filename, { timeout: 5000 });
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    const insert = db.prepare(
      `insert into tasks (id, agent_id, action, input, status, priority, run_at, attempts, max_attempts, timeout_seconds,
        idempotency_key, result, last_error, locked_by, locked_until, cancel_requested, correlation_id, workflow_run_id,
        workflow_step_id, workflow_task_kind, created_at, updated_at, started_at, finished_at)
       values (?, ?, ?, ?, 'queued', 0, ?, 0, 3, null, null, null, null, null, null, 0, ?, null, null, null, ?, ?, null, null)`,
    );
    const app = express();
    app.use(express.json({ limit: '1mb' }));
    app.post('/api/agents/:id/execute', (req, res) => {
      const t = Date.now();
      const id = newRowId();
      const body = req.body as { action: string; input?: unknown };
      insert.run(id, req.params.id, body.action, JSON.stringify(body.input ?? null), t, randomUUID(), t, t);
      res.status(202).location(`/api/tasks/${id}`).json({ task_id: id, status: 'queued' });
    });
    const server = await listen(app, { host: '127.0.0.1', port: 0, headersTimeoutMs: 10_000, requestTimeoutMs: 30_000, keepAliveTimeoutMs: 5000 });
    return { url: server.url, stop: async () => { await server.close(1000); db.close(); } };
  }
  // The gateway's own cost: one trivial route behind createApp, with and without the guard.
  const platform = createPlatform('web', catalynxConfig(databaseUrl));
  await migrateToLatest(platform.database);
  const services = { routes: [] as RouteSpec[], health: createHealthChecker({ version: '0', timeoutMs: 1000 }) };
  const gateway = wireGateway(services, platform);
  await gateway.start();
  const ping = defineRoute({
    method: 'get',
    path: '/api/bench/ping',
    summary: 'Benchmark route',
    tags: ['bench'],
    scope: 'read',
    responses: { 200: { description: 'ok', schema: z.object({ ok: z.boolean() }) } },
    handler: () => ({ status: 200, body: { ok: true } }),
  });
  const app = createApp({
    logger: platform.logger,
    context: platform.context,
    bodyLimitBytes: 1024 * 1024,
    routes: [ping],
    isUnavailable: () => false,
    guard: kind === 'gateway-guarded' ? gateway.guard : undefined,
  });
  const server = await listen(app, platform.config.http);
  return { url: server.url, stop: async () => { await server.close(1000); gateway.close(); await platform.shutdown.run('benchmark finished'); } };
}

process.once('message', (message) => {
  const { kind, databaseUrl, filename } = message as { kind: HttpTargetKind; databaseUrl: string; filename: string };
  start(kind, databaseUrl, filename).then(
    (target) => {
      process.send!({ url: target.url });
      process.once('message', () => {
        void target.stop().finally(() => process.exit(0));
      });
    },
    (err: unknown) => {
      process.send!({ error: err instanceof Error ? (err.stack ?? err.message) : String(err) }, () => process.exit(1));
    },
  );
});
