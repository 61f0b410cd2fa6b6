// serveAgent(): runs an agent as an HTTP server that speaks the worker's contract, registers it with
// Catalynx, sends heartbeats and answers health checks. close() drains: new attempts get 503 while
// running ones finish within the grace period, then are aborted. The SDK never touches process
// signals: the agent's entrypoint decides when to call close().

import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createCatalynxClient } from '../client';
import { silentLogger, type AgentLogger } from './agent-logger';
import { createAgentPresence } from './agent-presence';
import { createAgentRequestListener } from './agent-request-listener';
import { createAttemptCache } from './attempt-cache';
import type { AgentDefinition } from './define-agent';

export interface ServeAgentOptions {
  /** Port to listen on; 0 picks a free one (see `url` on the result). */
  port: number;
  /** Interface to listen on (default `0.0.0.0`). */
  host?: string;
  /** The Catalynx API the agent registers with, e.g. `http://127.0.0.1:3000`. */
  catalynxUrl: string;
  /** A key holding the `agents:write` scope (registration and heartbeats). */
  apiKey: string;
  /** How the Catalynx worker reaches this server (default `http://127.0.0.1:<port>`; set it behind a proxy or in a container). */
  publicUrl?: string;
  /** Path the worker POSTs attempts to (default `/run`). */
  runPath?: string;
  /** Path of the health check (default `/health`). */
  healthPath?: string;
  /** Between two heartbeats (default 30 s). */
  heartbeatIntervalMs?: number;
  /** How long an answer is replayed to a repeated attempt with the same Idempotency-Key (default 10 min). */
  dedupeWindowMs?: number;
  /** The agent's own limit per attempt (default 5 min, the worker's default task timeout). */
  timeoutMs?: number;
  /** Largest request body (default 2 MiB; Catalynx accepts task input up to its BODY_LIMIT, 1 MiB by default). */
  maxBodyBytes?: number;
  /** Grace period of close() for running attempts (default 10 s). */
  shutdownTimeoutMs?: number;
  /** How long start-up keeps retrying registration while Catalynx is not reachable yet (default 30 s). */
  registerTimeoutMs?: number;
  logger?: AgentLogger;
}

export interface ServedAgent {
  /** Where the server listens, as Catalynx reaches it. */
  readonly url: string;
  readonly endpoint: string;
  readonly healthUrl: string;
  /** Attempts running now. */
  readonly running: number;
  /** Stops heartbeats, refuses new attempts, lets running ones finish within the grace period; idempotent. */
  close(): Promise<void>;
}

const listen = (server: Server, port: number, host: string) =>
  new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });

export async function serveAgent(agent: AgentDefinition, opts: ServeAgentOptions): Promise<ServedAgent> {
  const logger = opts.logger ?? silentLogger;
  const runPath = opts.runPath ?? '/run';
  const healthPath = opts.healthPath ?? '/health';
  const shutdownTimeoutMs = opts.shutdownTimeoutMs ?? 10_000;
  const cache = createAttemptCache({ windowMs: opts.dedupeWindowMs ?? 10 * 60_000 });
  let draining = false;

  const server = createServer(
    createAgentRequestListener({
      agent,
      cache,
      runPath,
      healthPath,
      maxBodyBytes: opts.maxBodyBytes ?? 2 * 1024 * 1024,
      timeoutMs: opts.timeoutMs ?? 300_000,
      draining: () => draining,
      logger,
    }),
  );
  await listen(server, opts.port, opts.host ?? '0.0.0.0');
  const { port } = server.address() as AddressInfo;
  const url = (opts.publicUrl ?? `http://127.0.0.1:${port}`).replace(/\/+$/, '');

  const presence = createAgentPresence({
    agent,
    client: createCatalynxClient({ baseUrl: opts.catalynxUrl, apiKey: opts.apiKey, timeoutMs: 10_000 }),
    endpoint: `${url}${runPath}`,
    healthCheckUrl: `${url}${healthPath}`,
    heartbeatIntervalMs: opts.heartbeatIntervalMs ?? 30_000,
    registerTimeoutMs: opts.registerTimeoutMs ?? 30_000,
    logger,
  });

  let closing: Promise<void> | undefined;
  const close = () =>
    (closing ??= (async () => {
      draining = true;
      presence.stop();
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      let timer: NodeJS.Timeout | undefined;
      const graceOver = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), shutdownTimeoutMs)));
      const outcome = await Promise.race([cache.idle().then(() => 'idle' as const), graceOver]);
      clearTimeout(timer);
      if (outcome === 'timeout') {
        logger.warn('grace period over; aborting running attempts', { agent_id: agent.id, running: cache.running });
        cache.abortAll(new Error('the agent is shutting down'));
        await Promise.race([cache.idle(), new Promise((r) => setTimeout(r, 1_000))]);
      }
      server.closeAllConnections();
      await closed;
      logger.info('agent stopped', { agent_id: agent.id });
    })());

  try {
    await presence.register();
  } catch (err) {
    await close();
    throw err;
  }
  presence.startHeartbeats();
  logger.info('agent serving', { agent_id: agent.id, url, actions: [...agent.actions.keys()] });

  return {
    url,
    endpoint: `${url}${runPath}`,
    healthUrl: `${url}${healthPath}`,
    get running() {
      return cache.running;
    },
    close,
  };
}
