// The agent's HTTP contract with the Catalynx worker (src/modules/agents/agent-runtime.ts):
//   POST <run path>, JSON {task_id, agent_id, action, input, attempt}, headers Idempotency-Key (the
//   task id) and X-Correlation-ID → 2xx with the JSON result; 4xx fails the task for good (408 and
//   429 excepted); 5xx is retried. The worker's timeout closes the connection, which aborts the
//   handler's signal. GET <health path> answers 2xx when healthy (the scheduler's health check).

import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import type { AgentAnswer, AttemptCache } from './attempt-cache';
import type { AgentDefinition, ActionContext } from './define-agent';
import type { AgentLogger } from './agent-logger';
import { PermanentError } from './permanent-error';
import { BodyError, readJsonBody } from './read-json-body';
import { RetryableError } from './retryable-error';

export interface AgentRequestListenerOptions {
  agent: AgentDefinition;
  cache: AttemptCache;
  runPath: string;
  healthPath: string;
  maxBodyBytes: number;
  /** The agent's own limit per attempt: past it the signal aborts and the answer is 504 (retried). */
  timeoutMs: number;
  /** True once shutdown began: new attempts get 503 (retried elsewhere or later). */
  draining(): boolean;
  logger: AgentLogger;
}

interface TaskRequest {
  task_id: string;
  agent_id: string;
  action: string;
  input: unknown;
  attempt: number;
}

const failure = (status: number, code: string, message: string, details?: unknown): AgentAnswer => ({
  status,
  body: { error: { code, message, ...(details === undefined ? {} : { details }) } },
});

/** Checks the request body's shape; a list of every problem when it is wrong. */
function parseTaskRequest(body: unknown): TaskRequest | string[] {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) return ['the body must be a JSON object'];
  const b = body as Record<string, unknown>;
  const problems: string[] = [];
  for (const field of ['task_id', 'agent_id', 'action'] as const) {
    if (typeof b[field] !== 'string' || b[field] === '') problems.push(`${field} must be a non-empty string`);
  }
  if (!Number.isInteger(b.attempt) || (b.attempt as number) < 0) problems.push('attempt must be a non-negative integer');
  if (problems.length) return problems;
  return { task_id: b.task_id as string, agent_id: b.agent_id as string, action: b.action as string, input: b.input ?? null, attempt: b.attempt as number };
}

function send(res: ServerResponse, answer: AgentAnswer, headers: Record<string, string> = {}): void {
  if (res.headersSent || res.destroyed) return;
  const text = JSON.stringify(answer.body ?? null);
  res.writeHead(answer.status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

export function createAgentRequestListener(opts: AgentRequestListenerOptions): RequestListener {
  const { agent, logger } = opts;

  /** Runs one action handler and turns what it does into the answer the worker understands. */
  async function runAction(task: TaskRequest, key: string, correlationId: string, signal: AbortSignal): Promise<AgentAnswer> {
    const handler = agent.actions.get(task.action)!;
    const limit = AbortSignal.timeout(opts.timeoutMs);
    const combined = AbortSignal.any([signal, limit]);
    const ctx: ActionContext = { taskId: task.task_id, agentId: agent.id, action: task.action, attempt: task.attempt, idempotencyKey: key, correlationId, signal: combined };
    const aborted = new Promise<never>((_, reject) => {
      if (combined.aborted) reject(combined.reason);
      combined.addEventListener('abort', () => reject(combined.reason), { once: true });
    });
    aborted.catch(() => undefined);
    try {
      const result = await Promise.race([Promise.resolve().then(() => handler(task.input, ctx)), aborted]);
      return { status: 200, body: result ?? null };
    } catch (err) {
      if (limit.aborted && !signal.aborted) return failure(504, 'timeout', `action "${task.action}" took longer than ${opts.timeoutMs} ms`);
      if (signal.aborted) return failure(503, 'aborted', String((signal.reason as Error)?.message ?? 'aborted'));
      if (err instanceof PermanentError) return failure(422, err.code, err.message, err.details);
      if (err instanceof RetryableError) return failure(503, err.code, err.message);
      logger.error('action failed', { agent_id: agent.id, action: task.action, task_id: task.task_id, attempt: task.attempt, error: (err as Error)?.message ?? String(err) });
      return failure(500, 'action_failed', err instanceof Error ? err.message : String(err));
    }
  }

  async function serveRun(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (opts.draining()) {
      send(res, failure(503, 'shutting_down', 'the agent is shutting down; retry later'), { connection: 'close' });
      return;
    }
    let body: unknown;
    try {
      body = await readJsonBody(req, opts.maxBodyBytes);
    } catch (err) {
      if (!(err instanceof BodyError)) throw err;
      // Too large: answer and close rather than read the rest.
      send(res, failure(err.status, err.code, err.message), err.status === 413 ? { connection: 'close' } : {});
      if (err.status === 413) req.destroy();
      return;
    }
    const task = parseTaskRequest(body);
    if (Array.isArray(task)) {
      send(res, failure(400, 'invalid_request', task.join('; '), { problems: task }));
      return;
    }
    if (task.agent_id !== agent.id) {
      send(res, failure(400, 'wrong_agent', `this is agent "${agent.id}", not "${task.agent_id}"`));
      return;
    }
    if (!agent.actions.has(task.action)) {
      send(res, failure(400, 'unknown_action', `agent "${agent.id}" has no action "${task.action}"; it has ${[...agent.actions.keys()].join(', ')}`));
      return;
    }
    const key = header(req, 'idempotency-key') ?? task.task_id;
    const correlationId = header(req, 'x-correlation-id') ?? task.task_id;
    const caller = new AbortController();
    // The worker's timeout aborts its fetch, which closes the connection before an answer.
    res.on('close', () => {
      if (!res.writableFinished) caller.abort(new Error('the worker closed the connection'));
    });
    const { answer, how } = await opts.cache.attempt(key, caller.signal, (signal) => runAction(task, key, correlationId, signal));
    send(res, answer, {
      'x-correlation-id': correlationId,
      'idempotency-key': key,
      ...(how === 'ran' ? {} : { 'idempotent-replayed': 'true' }),
    });
  }

  async function serveHealth(res: ServerResponse): Promise<void> {
    if (opts.draining()) return send(res, { status: 503, body: { status: 'unhealthy', agent: agent.id, reason: 'shutting down' } });
    let healthy = true;
    let reason: string | undefined;
    try {
      healthy = agent.health ? (await agent.health()) !== false : true;
    } catch (err) {
      healthy = false;
      reason = (err as Error)?.message ?? String(err);
    }
    send(res, { status: healthy ? 200 : 503, body: { status: healthy ? 'healthy' : 'unhealthy', agent: agent.id, version: agent.version, ...(reason ? { reason } : {}) } });
  }

  return (req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    const route = path === opts.runPath ? { method: 'POST', serve: () => serveRun(req, res) } : path === opts.healthPath ? { method: 'GET', serve: () => serveHealth(res) } : undefined;
    if (!route) {
      send(res, failure(404, 'not_found', `no route ${req.method} ${path}; the agent serves POST ${opts.runPath} and GET ${opts.healthPath}`));
      return;
    }
    if (req.method !== route.method && !(route.method === 'GET' && req.method === 'HEAD')) {
      send(res, failure(405, 'method_not_allowed', `${path} answers ${route.method} only`), { allow: route.method });
      return;
    }
    route.serve().catch((err: unknown) => {
      logger.error('request failed', { path, error: (err as Error)?.message ?? String(err) });
      send(res, failure(500, 'internal', 'unexpected error in the agent server'));
    });
  };
}

function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  const text = Array.isArray(value) ? value[0] : value;
  return text && text.trim() ? text.trim() : undefined;
}
