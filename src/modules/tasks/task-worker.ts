// The worker loop: claims tasks with a lease, runs each on its agent behind a timeout, renews the
// leases of everything it runs (one statement for all of them), and reports each outcome through
// the queue's fenced transitions.
//
// The per-attempt path is kept lean on purpose: every promise it creates costs an async-hook round
// trip in the execution context (src/platform/context.ts), so it avoids awaits that are not needed
// (a cached agent is read synchronously) and `.finally` chains, and runs no per-attempt timer
// other than its timeout.

import { hostname } from 'node:os';
import { randomUUID } from 'node:crypto';
import type { AgentSettings } from '../../config';
import type { ExecutionContext } from '../../platform/context';
import type { Logger } from '../../platform/logger';
import type { Notifier } from '../../platform/notifier';
import { TimeoutError } from '../../resilience/timeout-error';
import { untilAborted } from '../../resilience/until-aborted';
import { AgentCallError } from '../agents/agent-errors';
import type { Agent } from '../agents/agent';
import type { AgentRegistry } from '../agents/agent-registry';
import { cachedAgentLookup } from '../agents/cached-agent-lookup';
import type { AgentRuntime } from '../agents/agent-runtime';
import type { ClaimedTask, TaskQueue } from './task-queue';

export interface TaskWorkerOptions {
  queue: TaskQueue;
  registry: AgentRegistry;
  runtime: AgentRuntime;
  notifier: Notifier;
  context: ExecutionContext;
  logger: Logger;
  settingsFor(agentId: string): AgentSettings;
  concurrency: number;
  pollIntervalMs: number;
  leaseMs: number;
  /** How long stop() lets running attempts finish before aborting and releasing them. */
  shutdownGraceMs: number;
  workerId?: string;
  /** Observability hooks (metrics). */
  onAttemptStarted?(task: ClaimedTask): void;
  onAttemptFinished?(task: ClaimedTask, outcome: 'succeeded' | 'retrying' | 'failed' | 'cancelled' | 'released' | 'lost', durationMs: number): void;
}

class StopReason extends Error {
  constructor(readonly kind: 'shutdown' | 'cancelled' | 'lease_lost') {
    super(kind);
  }
}

/** What a finished attempt passes on to its slot: the next task its completion leased, if any. */
interface Handoff {
  next?: ClaimedTask;
}

const NO_HANDOFF: Handoff = {};

interface Attempt {
  task: ClaimedTask;
  controller: AbortController;
  done: Promise<void>;
}

export interface TaskWorker {
  readonly name: string;
  readonly workerId: string;
  start(): Promise<void>;
  stop(): Promise<void>;
  /** Tasks running in this worker now. */
  inFlight(): number;
}

export function createTaskWorker(opts: TaskWorkerOptions): TaskWorker {
  const workerId = opts.workerId ?? `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  const log = opts.logger.child('worker');
  const running = new Map<string, Attempt>();
  let started = false;
  let stopping: Promise<void> | undefined;
  let pollTimer: NodeJS.Timeout | undefined;
  let renewTimer: NodeJS.Timeout | undefined;
  let renewing = false;
  let unsubscribe: (() => void) | undefined;
  let ticking = false;
  let again = false;
  let tickScheduled = false;
  let backoffUntil = 0;
  const claimBatch = Math.max(1, Math.floor(opts.concurrency / 4));
  const findAgent = cachedAgentLookup(opts.registry, { ttlMs: 1000 });

  async function tick(): Promise<void> {
    if (!started || stopping) return;
    if (ticking) {
      again = true;
      return;
    }
    if (Date.now() < backoffUntil) return;
    ticking = true;
    try {
      do {
        again = false;
        const free = opts.concurrency - running.size;
        if (free <= 0) break;
        const claimed = await opts.queue.claim(workerId, free);
        for (const task of claimed) launch(task);
        // A full batch suggests more work is waiting: look again at once.
        if (claimed.length === free && claimed.length > 0) again = true;
      } while (again && !stopping);
    } catch (err) {
      backoffUntil = Date.now() + opts.pollIntervalMs;
      log.warn('claiming tasks failed; will retry', { error: (err as Error).message });
    } finally {
      ticking = false;
    }
  }

  /**
   * Claims on the next turn of the event loop, once for all the attempts that finish in this one:
   * completions committed together release their slots together, and one claim refills them all.
   */
  function tickSoon(): void {
    if (tickScheduled) return;
    tickScheduled = true;
    setImmediate(() => {
      tickScheduled = false;
      void tick();
    });
  }

  function launch(task: ClaimedTask): void {
    const controller = new AbortController();
    const finished = (handoff: Handoff): Promise<void> | void => {
      running.delete(task.id);
      if (handoff.next) {
        // The completion's commit leased this slot's next task: run it here, unless stopping.
        if (!stopping) launch(handoff.next);
        else return releaseUnstarted(handoff.next);
      }
      // Under load, claim in batches rather than one transaction per finished task; a single
      // free slot is still filled by the next wake-up or poll.
      if (opts.concurrency - running.size >= claimBatch) tickSoon();
    };
    const done = opts.context.run({ correlationId: task.correlation_id ?? task.id, taskId: task.id }, () => runAttempt(task, controller)).then(finished, (err: unknown) => {
      log.error('task attempt crashed', { task_id: task.id, error: err });
      return finished(NO_HANDOFF);
    });
    running.set(task.id, { task, controller, done });
  }

  /** Gives back a task leased for a slot while the worker was stopping; it never started. */
  async function releaseUnstarted(task: ClaimedTask): Promise<void> {
    try {
      await opts.queue.release(task, workerId);
    } catch (err) {
      log.warn('could not give back a task leased while stopping; it returns when its lease expires', { task_id: task.id, error: (err as Error).message });
    }
  }

  /**
   * Renews the leases of all running attempts in one go (every third of the lease). An attempt
   * whose lease was lost, or whose task was asked to cancel, is told to stop.
   */
  async function renewLeases(): Promise<void> {
    if (renewing || running.size === 0) return;
    renewing = true;
    const attempts = [...running.values()];
    try {
      const held = await opts.queue.extendLeases(
        attempts.map((a) => a.task),
        workerId,
      );
      for (const a of attempts) {
        // Finished meanwhile: its row left 'running' through its own fenced transition.
        if (running.get(a.task.id) !== a) continue;
        const state = held.get(a.task.id);
        if (!state) a.controller.abort(new StopReason('lease_lost'));
        else if (state.cancelRequested) a.controller.abort(new StopReason('cancelled'));
      }
    } catch (err) {
      log.warn('lease renewal failed', { attempts: attempts.length, error: (err as Error).message });
    } finally {
      renewing = false;
    }
  }

  async function runAttempt(task: ClaimedTask, controller: AbortController): Promise<Handoff> {
    const startedAt = Date.now();
    opts.onAttemptStarted?.(task);
    const settings = opts.settingsFor(task.agent_id);
    const timeoutMs = (task.timeout_seconds ?? settings.timeoutSeconds) * 1000;
    log.info('task attempt started', { task_id: task.id, agent_id: task.agent_id, attempt: task.attempts });

    let outcome: 'succeeded' | 'retrying' | 'failed' | 'cancelled' | 'released' | 'lost';
    let handoff = NO_HANDOFF;
    try {
      const agent = findAgent.cached(task.agent_id) ?? (await findAgent(task.agent_id));
      if (!agent) {
        const status = await opts.queue.fail(task, workerId, `agent "${task.agent_id}" is not registered`, { retryable: false, breakerFailure: false });
        outcome = status ? 'failed' : 'lost';
      } else {
        const result = await runUnderTimeout(agent, task, controller, timeoutMs);
        if (stopping) {
          outcome = (await opts.queue.complete(task, workerId, result)) ? 'succeeded' : 'lost';
        } else {
          // The slot this attempt frees is filled in the same commit when a task is due.
          const { completed, next } = await opts.queue.completeAndTakeNext(task, workerId, result);
          outcome = completed ? 'succeeded' : 'lost';
          handoff = { next };
        }
      }
    } catch (err) {
      outcome = await settleFailure(task, controller, err, timeoutMs);
    }
    const durationMs = Date.now() - startedAt;
    opts.onAttemptFinished?.(task, outcome, durationMs);
    log.info('task attempt finished', { task_id: task.id, agent_id: task.agent_id, attempt: task.attempts, outcome, duration_ms: durationMs });
    return handoff;
  }

  /**
   * The agent call under the attempt's time limit. The attempt's own controller carries the
   * timeout too (one AbortController per attempt instead of a second one per call, as
   * withTimeout would make): it aborts with a TimeoutError when the limit passes, or with a
   * StopReason on shutdown, cancel or a lost lease; the call is given up at once either way.
   */
  function runUnderTimeout(agent: Agent, task: ClaimedTask, controller: AbortController, timeoutMs: number): Promise<unknown> {
    const timer = setTimeout(() => controller.abort(new TimeoutError(timeoutMs, `agent ${agent.id}`)), timeoutMs);
    let call: Promise<unknown>;
    try {
      call = opts.runtime.execute(agent, task, controller.signal);
    } catch (err) {
      call = Promise.reject(err);
    }
    return untilAborted(call, controller.signal, () => clearTimeout(timer));
  }

  async function settleFailure(task: ClaimedTask, controller: AbortController, err: unknown, timeoutMs: number) {
    const reason = controller.signal.aborted ? controller.signal.reason : undefined;
    if (reason instanceof StopReason) {
      if (reason.kind === 'lease_lost') return 'lost' as const;
      if (reason.kind === 'cancelled') return (await opts.queue.finishCancelled(task, workerId)) ? ('cancelled' as const) : ('lost' as const);
      return (await opts.queue.release(task, workerId)) ? ('released' as const) : ('lost' as const);
    }
    let message: string;
    let retryable: boolean;
    let breakerFailure: boolean;
    if (err instanceof TimeoutError) {
      message = `attempt timed out after ${timeoutMs} ms`;
      retryable = true;
      breakerFailure = true;
    } else if (err instanceof AgentCallError) {
      message = err.message;
      retryable = err.retryable;
      breakerFailure = err.retryable;
    } else {
      // Anything unexpected (a thrown bug in a builtin, a dropped connection mid-body) is retried.
      message = err instanceof Error ? err.message : String(err);
      retryable = true;
      breakerFailure = true;
    }
    const status = await opts.queue.fail(task, workerId, message, { retryable, breakerFailure });
    if (status === undefined) return 'lost' as const;
    return status === 'queued' ? ('retrying' as const) : ('failed' as const);
  }

  return {
    name: 'task-worker',
    workerId,
    inFlight: () => running.size,
    async start() {
      if (started) return;
      started = true;
      unsubscribe = opts.notifier.subscribe('tasks', () => void tick());
      pollTimer = setInterval(() => void tick(), opts.pollIntervalMs);
      renewTimer = setInterval(() => void renewLeases(), Math.max(50, Math.floor(opts.leaseMs / 3)));
      void tick();
    },
    stop() {
      stopping ??= (async () => {
        if (!started) return;
        clearInterval(pollTimer);
        unsubscribe?.();
        const inFlight = [...running.values()];
        if (inFlight.length > 0) {
          log.info('waiting for running tasks', { count: inFlight.length, grace_ms: opts.shutdownGraceMs });
          let timer: NodeJS.Timeout | undefined;
          const all = Promise.all(inFlight.map((r) => r.done));
          const finished = await Promise.race([
            all.then(() => true),
            new Promise<boolean>((resolve) => {
              timer = setTimeout(() => resolve(false), opts.shutdownGraceMs);
            }),
          ]);
          clearTimeout(timer);
          if (!finished) {
            log.warn('grace period over: releasing tasks still running', { count: running.size });
            for (const r of running.values()) r.controller.abort(new StopReason('shutdown'));
            await Promise.all([...running.values()].map((r) => r.done));
          }
        }
        // Wait out a claim in progress so no task is left leased to a stopped worker.
        while (ticking) await new Promise((r) => setTimeout(r, 10));
        for (const r of [...running.values()]) r.controller.abort(new StopReason('shutdown'));
        await Promise.all([...running.values()].map((r) => r.done));
        clearInterval(renewTimer);
        while (renewing) await new Promise((r) => setTimeout(r, 10));
      })();
      return stopping;
    },
  };
}
