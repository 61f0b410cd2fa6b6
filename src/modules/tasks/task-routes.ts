// REST routes of the task queue: execute an agent, inspect, list, wait, cancel, retry.

import { z } from 'zod';
import { ErrorBodySchema } from '../../platform/http/http-errors';
import { idempotencyKeyOf } from '../../platform/http/idempotency-key';
import { defineRoute, type RouteSpec } from '../../platform/http/route';
import type { Notifier } from '../../platform/notifier';
import type { AgentRegistry } from '../agents/agent-registry';
import { cachedAgentLookup } from '../agents/cached-agent-lookup';
import { NotFoundError } from '../../platform/errors';
import { subscribeFinished } from './finished-notice';
import { assertClientTaskKey } from './reserved-keys';
import { FINISHED_STATUSES, TASK_STATUSES, TaskViewSchema, toTaskView, type Task } from './task';
import type { EnqueueRequest, TaskQueue } from './task-queue';

export const ExecuteTaskSchema = z
  .object({
    action: z.string().min(1).max(200),
    input: z.unknown().optional(),
    priority: z.number().int().min(-1000).max(1000).optional(),
    delay_seconds: z.number().min(0).max(7 * 86_400).optional(),
    max_attempts: z.number().int().min(1).max(100).optional(),
    idempotency_key: z.string().min(1).max(200).optional(),
  })
  .strict()
  .meta({ id: 'ExecuteTask' });

const Accepted = z.object({ task_id: z.string(), status: z.enum(TASK_STATUSES) }).meta({ id: 'TaskAccepted' });
export const MAX_BATCH_TASKS = 1000;
const ExecuteBatchSchema = z
  .object({ tasks: z.array(ExecuteTaskSchema).min(1).max(MAX_BATCH_TASKS) })
  .strict()
  .meta({ id: 'ExecuteTaskBatch' });
const BatchAccepted = z
  .object({ tasks: z.array(Accepted.extend({ created: z.boolean() })) })
  .meta({ id: 'TaskBatchAccepted' });
const IdParams = z.object({ id: z.string().min(1).max(64) });
const TaskIdParams = z.object({ id: z.uuid() });
const MAX_WAIT_SECONDS = 60;

/** An execute request body as the queue's request. */
function toEnqueueRequest(agentId: string, body: z.infer<typeof ExecuteTaskSchema>, idempotencyKey: string | null, correlationId: string | undefined): EnqueueRequest {
  return {
    agentId,
    action: body.action,
    input: body.input ?? null,
    priority: body.priority,
    delaySeconds: body.delay_seconds,
    maxAttempts: body.max_attempts,
    idempotencyKey,
    correlationId,
  };
}

export interface TaskRoutesOptions {
  queue: TaskQueue;
  registry: AgentRegistry;
  notifier: Notifier;
}

/** The answer to an execute request: 202 for a new task, 200 for the one its idempotency key named. */
function accepted({ task, created }: { task: Task; created: boolean }) {
  return {
    status: created ? 202 : 200,
    body: { task_id: task.id, status: task.status },
    headers: { Location: `/api/tasks/${task.id}` },
  };
}

export function taskRoutes(opts: TaskRoutesOptions): RouteSpec[] {
  const { queue, notifier } = opts;
  const findAgent = cachedAgentLookup(opts.registry, { ttlMs: 1000 });

  /** Resolves when the task is finished or the deadline passes; a notification or a poll wakes it. */
  async function waitForFinish(id: string, seconds: number): Promise<Task> {
    const deadline = Date.now() + seconds * 1000;
    let task = await queue.get(id);
    while (!FINISHED_STATUSES.includes(task.status) && Date.now() < deadline) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(done, Math.min(500, Math.max(0, deadline - Date.now())));
        const off = subscribeFinished(notifier, (finished) => {
          if (finished.includes(id)) done();
        });
        function done() {
          clearTimeout(timer);
          off();
          resolve();
        }
      });
      task = await queue.get(id);
    }
    return task;
  }

  return [
    defineRoute({
      method: 'post',
      path: '/api/agents/:id/execute',
      summary: 'Queue a task for an agent; answered only after it is committed',
      tags: ['tasks'],
      scope: 'tasks:write',
      params: IdParams,
      body: ExecuteTaskSchema,
      responses: {
        200: { description: 'The task first submitted with this idempotency key', schema: Accepted },
        202: { description: 'Queued', schema: Accepted },
        400: { description: 'Invalid input', schema: ErrorBodySchema },
        404: { description: 'Unknown agent', schema: ErrorBodySchema },
      },
      handler({ req, res, params, body }) {
        // A fresh cached agent, and an enqueue SQLite makes at once, need no promise (every execute request asks).
        const queueIt = () => {
          const key = idempotencyKeyOf(req, body.idempotency_key);
          assertClientTaskKey(key);
          const request = toEnqueueRequest(params.id, body, key ?? null, res.locals.correlationId);
          const now = queue.enqueueNow(request);
          return now ? accepted(now) : queue.enqueue(request).then(accepted);
        };
        if (findAgent.cached(params.id)) return queueIt();
        return findAgent(params.id).then((agent) => {
          if (!agent) throw new NotFoundError('agent', params.id);
          return queueIt();
        });
      },
    }),
    defineRoute({
      method: 'post',
      path: '/api/agents/:id/execute-batch',
      summary: `Queue up to ${MAX_BATCH_TASKS} tasks for an agent at once: all are committed, or none`,
      tags: ['tasks'],
      scope: 'tasks:write',
      params: IdParams,
      body: ExecuteBatchSchema,
      responses: {
        202: { description: 'Queued, in request order; created=false for a task an idempotency key already named', schema: BatchAccepted },
        400: { description: 'Invalid input (nothing is queued)', schema: ErrorBodySchema },
        404: { description: 'Unknown agent', schema: ErrorBodySchema },
      },
      async handler({ res, params, body }) {
        for (const t of body.tasks) assertClientTaskKey(t.idempotency_key);
        if (!(await findAgent(params.id))) throw new NotFoundError('agent', params.id);
        const results = await queue.enqueueMany(body.tasks.map((t) => toEnqueueRequest(params.id, t, t.idempotency_key ?? null, res.locals.correlationId)));
        return { status: 202, body: { tasks: results.map(({ task, created }) => ({ task_id: task.id, status: task.status, created })) } };
      },
    }),
    defineRoute({
      method: 'get',
      path: '/api/tasks',
      summary: 'List tasks by status and agent (failed = the dead-letter list)',
      tags: ['tasks'],
      scope: 'read',
      query: z
        .object({
          status: z.enum(TASK_STATUSES).optional(),
          agent_id: z.string().min(1).max(64).optional(),
          workflow_run_id: z.string().min(1).max(64).optional(),
          limit: z.coerce.number().int().min(1).max(500).default(50),
          offset: z.coerce.number().int().min(0).max(1_000_000).default(0),
        })
        .strict(),
      responses: {
        200: {
          description: 'A page of tasks, newest first',
          schema: z.object({ tasks: z.array(TaskViewSchema), total: z.number().int(), limit: z.number().int(), offset: z.number().int() }),
        },
        400: { description: 'Invalid query', schema: ErrorBodySchema },
      },
      async handler({ query }) {
        const { tasks, total } = await queue.list({ status: query.status, agentId: query.agent_id, workflowRunId: query.workflow_run_id, limit: query.limit, offset: query.offset });
        return { status: 200, body: { tasks: tasks.map(toTaskView), total, limit: query.limit, offset: query.offset } };
      },
    }),
    defineRoute({
      method: 'get',
      path: '/api/tasks/:id',
      summary: 'One task; ?wait=SECONDS returns as soon as it finishes',
      tags: ['tasks'],
      scope: 'read',
      params: TaskIdParams,
      query: z.object({ wait: z.coerce.number().min(0).max(MAX_WAIT_SECONDS).optional() }).strict(),
      responses: {
        200: { description: 'The task', schema: TaskViewSchema.extend({ attempts_log: z.array(z.record(z.string(), z.unknown())) }) },
        400: { description: 'Invalid id or wait', schema: ErrorBodySchema },
        404: { description: 'Unknown task', schema: ErrorBodySchema },
      },
      async handler({ params, query }) {
        const task = query.wait ? await waitForFinish(params.id, query.wait) : await queue.get(params.id);
        const attempts = await queue.attempts(params.id);
        return {
          status: 200,
          body: {
            ...toTaskView(task),
            attempts_log: attempts.map((a) => ({
              ...a,
              started_at: new Date(a.started_at).toISOString(),
              finished_at: a.finished_at === null ? null : new Date(a.finished_at).toISOString(),
            })),
          },
        };
      },
    }),
    defineRoute({
      method: 'post',
      path: '/api/tasks/:id/cancel',
      summary: 'Cancel a queued task at once, or tell a running one to stop',
      tags: ['tasks'],
      scope: 'tasks:write',
      params: TaskIdParams,
      responses: {
        200: { description: 'Cancelled (or cancel requested)', schema: TaskViewSchema },
        404: { description: 'Unknown task', schema: ErrorBodySchema },
        409: { description: 'Already finished', schema: ErrorBodySchema },
      },
      handler: async ({ params }) => ({ status: 200, body: toTaskView(await queue.cancel(params.id)) }),
    }),
    defineRoute({
      method: 'post',
      path: '/api/tasks/:id/retry',
      summary: 'Re-queue a failed or cancelled task with fresh attempts',
      tags: ['tasks'],
      scope: 'tasks:write',
      params: TaskIdParams,
      responses: {
        200: { description: 'Re-queued', schema: TaskViewSchema },
        404: { description: 'Unknown task', schema: ErrorBodySchema },
        409: { description: 'Not failed or cancelled', schema: ErrorBodySchema },
      },
      handler: async ({ params }) => ({ status: 200, body: toTaskView(await queue.retry(params.id)) }),
    }),
  ];
}
