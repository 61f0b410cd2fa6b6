// The worker loop: claims tasks with a lease, runs each on its agent behind a timeout, renews the
// leases of everything it runs (one statement for all of them), and reports each outcome through
// the queue's fenced transitions.
//
// An attempt's successful path creates as few promises as it can: the execution context
// (src/platform/context.ts) runs an async hook for every promise, which made the promises of an
// async/await attempt path cost more than the work around a no-op task. So an attempt is a small
// state record moved on by callbacks: the agent's promise with one reaction, then the completion,
// which answers through a callback (TaskQueue.completeAndTakeNextTo). The time limits of all
// attempts share one timer (src/resilience/deadlines.ts). Stops (timeout, cancel, lost lease,
// shutdown) settle the attempt directly instead of through a listener on the agent's signal, and
// the signal itself is made only if the agent reads it. The rarer paths (failures, an agent not
// in the cache) are plain async functions.
//
// A success hands its slot on before its completion commits: to a task leased ahead, if one
// waits (see aheadToAsk), else to the next task that commit leases. `busy` counts the slots held
// by agent calls (never more than the concurrency); `running` holds every attempt not yet
// settled, for lease renewal and stop().

import { hostname } from 'node:os';
import { randomUUID } from 'node:crypto';
import type { AgentSettings } from '../../config';
import type { ContextValues, ExecutionContext } from '../../platform/context';
import type { Logger } from '../../platform/logger';
import type { Notifier } from '../../platform/notifier';
import { createDeadlines, type Deadline } from '../../resilience/deadlines';
import { TimeoutError } from '../../resilience/timeout-error';
import { AgentCallError } from '../agents/agent-errors';
import type { Agent } from '../agents/agent';
import type { AgentRegistry } from '../agents/agent-registry';
import { cachedAgentLookup } from '../agents/cached-agent-lookup';
import type { AgentRuntime } from '../agents/agent-runtime';
import type { IdleSlots, SlotReservation } from './idle-slots';
import type { ClaimedTask, TaskQueue } from './task-queue';

/** A completing attempt asks for tasks ahead only when it ran shorter than this (see aheadToAsk). */
const LOOK_AHEAD_AFTER_MS = 50;

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
  /**
   * How many tasks the worker may hold leased beyond its concurrency, to start as its slots free
   * while the completions that freed them commit (default 0: none; see aheadToAsk).
   */
  lookAhead?: number;
  /**
   * Where this worker lends its free slots, while no claim of its own is in flight, to an enqueue
   * of this process, whose commit leases them (the queue's idleSlots, Postgres).
   */
  idleSlots?: IdleSlots;
  /** Observability hooks (metrics). */
  onAttemptStarted?(task: ClaimedTask): void;
  onAttemptFinished?(task: ClaimedTask, outcome: 'succeeded' | 'retrying' | 'failed' | 'cancelled' | 'released' | 'lost', durationMs: number): void;
}

class StopReason extends Error {
  constructor(readonly kind: 'shutdown' | 'cancelled' | 'lease_lost') {
    super(kind);
  }
}

type Outcome = 'succeeded' | 'retrying' | 'failed' | 'cancelled' | 'released' | 'lost';

/** One attempt running in this worker. */
interface Attempt {
  readonly task: ClaimedTask;
  /** Carries the abort to the agent; its signal exists only once something reads it. */
  readonly controller: AbortController;
  readonly startedAt: number;
  timeoutMs: number;
  deadline: Deadline | undefined;
  /**
   * The agent call has ended: it settled, or a stop gave up waiting for it. Whichever comes
   * first decides the attempt; the other is dropped.
   */
  callEnded: boolean;
  /** The attempt still holds its slot (a success hands it on while its completion commits). */
  holdsSlot: boolean;
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
  /** Called when the last running attempt has left (stop() waits on them). */
  let idleWaiters: (() => void)[] = [];
  /** Tasks handed to this worker while it was stopping, being given back. */
  const givingBack = new Set<Promise<void>>();
  let started = false;
  let stopping: Promise<void> | undefined;
  let pollTimer: NodeJS.Timeout | undefined;
  let renewTimer: NodeJS.Timeout | undefined;
  let renewing = false;
  let unsubscribe: (() => void) | undefined;
  let detachSlots: (() => void) | undefined;
  /** Free slots lent to an enqueue whose commit is leasing them (idle-slots.ts); claims leave them alone. */
  let reserved = 0;
  let ticking = false;
  let again = false;
  let tickScheduled = false;
  let backoffUntil = 0;
  const claimBatch = Math.max(1, Math.floor(opts.concurrency / 4));
  const renewEveryMs = Math.max(50, Math.floor(opts.leaseMs / 3));
  /** Slots held: attempts whose agent call has not handed its slot on. */
  let busy = 0;
  /** Tasks leased ahead of a free slot, oldest first, with when they arrived. */
  const ahead: { task: ClaimedTask; at: number }[] = [];
  /** Completions in flight, each leasing the slot it freed its next task. */
  let expecting = 0;
  /** Tasks the completions in flight asked for (their slots' and those ahead). */
  let promised = 0;
  const lookAhead = opts.lookAhead ?? 0;
  /** Most tasks one completion asks for ahead, so one batch's look-ahead spreads over its completions. */
  const aheadPerCompletion = Math.ceil(lookAhead / opts.concurrency);
  const findAgent = cachedAgentLookup(opts.registry, { ttlMs: 1000 });
  // The attempts' time limits share one timer, armed outside any attempt's context (each expiry
  // runs in its own attempt's context).
  const deadlines = createDeadlines({ arm: (arm) => opts.context.runDetached(undefined, arm) });

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
        const free = opts.concurrency - busy - expecting - reserved;
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
   * The claim runs outside the context of the attempt that asked for it.
   */
  function tickSoon(): void {
    if (tickScheduled) return;
    tickScheduled = true;
    opts.context.runDetached(undefined, () =>
      setImmediate(() => {
        tickScheduled = false;
        void tick();
      }),
    );
  }

  /**
   * Lends the free slots to an enqueue while no claim is in flight (that claim may be taking
   * them) and no other enqueue holds them. The enqueue's commit leases them, and fill() starts
   * what it leased. (Lending only when nothing runs left out the common case of a task queued
   * while the one before it completes, and with it the gain: bench/findings.md item 64.)
   */
  function reserveIdle(): SlotReservation | undefined {
    if (!started || stopping || ticking || reserved > 0 || ahead.length > 0) return undefined;
    const slots = opts.concurrency - busy - expecting;
    if (slots <= 0) return undefined;
    reserved += slots;
    let filled = false;
    return {
      workerId,
      slots,
      fill(tasks) {
        if (filled) return;
        filled = true;
        reserved -= slots;
        for (const task of tasks) {
          if (!stopping) launch(task);
          else giveBack(task);
        }
      },
    };
  }

  const contextOf = (task: ClaimedTask): Partial<ContextValues> => ({ correlationId: task.correlation_id ?? task.id, taskId: task.id });

  /** Starts a claimed task in a free slot, in a context of its own (its correlation id). */
  function launch(task: ClaimedTask): void {
    const attempt: Attempt = { task, controller: new AbortController(), startedAt: Date.now(), timeoutMs: 0, deadline: undefined, callEnded: false, holdsSlot: true };
    running.set(task.id, attempt);
    busy += 1;
    opts.context.runDetached(contextOf(task), () => {
      try {
        begin(attempt);
      } catch (err) {
        crashed(attempt, err);
      }
    });
  }

  function begin(a: Attempt): void {
    const { task } = a;
    opts.onAttemptStarted?.(task);
    log.info('task attempt started', { task_id: task.id, agent_id: task.agent_id, attempt: task.attempts });
    const agent = findAgent.cached(task.agent_id);
    if (agent) callAgent(a, agent);
    else void lookUpAndCall(a);
  }

  /** The agent is not in the lookup's cache: read it, and fail the task if it is not registered. */
  async function lookUpAndCall(a: Attempt): Promise<void> {
    let agent: Agent | undefined;
    try {
      agent = await findAgent(a.task.agent_id);
    } catch (err) {
      if (endCall(a)) await settleFailure(a, err);
      return;
    }
    // Stopped while the agent was being looked up: the stop has settled the attempt.
    if (a.callEnded) return;
    if (agent) return callAgent(a, agent);
    endCall(a);
    try {
      const status = await opts.queue.fail(a.task, workerId, `agent "${a.task.agent_id}" is not registered`, { retryable: false, breakerFailure: false });
      finish(a, status ? 'failed' : 'lost');
    } catch (err) {
      crashed(a, err);
    }
  }

  /** Calls the agent under the attempt's time limit; the first of its answer and a stop wins. */
  function callAgent(a: Attempt, agent: Agent): void {
    const settings = opts.settingsFor(a.task.agent_id);
    a.timeoutMs = (a.task.timeout_seconds ?? settings.timeoutSeconds) * 1000;
    a.deadline = deadlines.set(
      a.timeoutMs,
      opts.context.bind(() => stopAttempt(a, new TimeoutError(a.timeoutMs, `agent ${agent.id}`))),
    );
    let call: Promise<unknown>;
    try {
      call = opts.runtime.execute(agent, a.task, a.controller);
    } catch (err) {
      call = Promise.reject(err);
    }
    call.then(
      (result) => {
        if (endCall(a)) complete(a, result);
      },
      (err: unknown) => {
        if (endCall(a)) void settleFailure(a, err);
      },
    );
  }

  /** Marks the agent call ended; false when it had ended already (this settlement is dropped). */
  function endCall(a: Attempt): boolean {
    if (a.callEnded) return false;
    a.callEnded = true;
    if (a.deadline) deadlines.cancel(a.deadline);
    return true;
  }

  /**
   * Stops an attempt: aborts its agent call's signal and, unless the call has already ended,
   * settles the attempt at once, even if the agent ignores its signal (its later answer is dropped).
   */
  function stopAttempt(a: Attempt, reason: StopReason | TimeoutError): void {
    a.controller.abort(reason);
    if (endCall(a)) opts.context.runDetached(contextOf(a.task), () => void settleFailure(a, reason));
  }

  /** Records the success; the slot it frees gets the agent's next task in the same commit. */
  function complete(a: Attempt, result: unknown): void {
    const { task } = a;
    if (stopping) {
      opts.queue.complete(task, workerId, result).then(
        (completed) => finish(a, completed ? 'succeeded' : 'lost'),
        (err: unknown) => void settleFailure(a, err),
      );
      return;
    }
    // The slot is handed on now, to a task leased ahead if one waits, while this completion
    // commits; the commit leases the next task for it, and tasks ahead if this attempt was short.
    a.holdsSlot = false;
    busy -= 1;
    const asked = 1 + aheadToAsk(a);
    expecting += 1;
    promised += asked;
    opts.queue.completeAndTakeNextTo(
      task,
      workerId,
      result,
      opts.context.bind((answer) => {
        expecting -= 1;
        promised -= asked;
        if (answer.status === 'fulfilled') finish(a, answer.value.completed ? 'succeeded' : 'lost', answer.value.next, answer.value.drained, answer.value.ahead);
        else void settleFailure(a, answer.reason);
      }),
      asked - 1,
    );
    const waiting = ahead.shift();
    if (waiting) launch(waiting.task);
  }

  /**
   * How many tasks a completing attempt asks for ahead of free slots. On a drain of short tasks
   * the worker and the database take turns: the slots wait for the commit that leases their next
   * tasks, and each commit carries one slot's worth of completions. Tasks leased ahead run while
   * the commit is in flight, and the next commit carries their completions too (bench/findings.md
   * item 86). Only after short attempts: when an attempt takes longer than a commit by far, the
   * overlap gains little, and a task leased ahead would wait for a slot while another worker
   * could run it. The worker never holds more than its concurrency plus its look-ahead.
   */
  function aheadToAsk(a: Attempt): number {
    if (lookAhead === 0 || Date.now() - a.startedAt >= LOOK_AHEAD_AFTER_MS) return 0;
    const room = opts.concurrency + lookAhead - (busy + ahead.length + promised + 1);
    return Math.max(0, Math.min(aheadPerCompletion, room));
  }

  /** Records a failed or stopped attempt: retry or fail, release, or finish the cancellation. */
  async function settleFailure(a: Attempt, err: unknown): Promise<void> {
    try {
      finish(a, await recordFailure(a, err));
    } catch (recordErr) {
      crashed(a, recordErr);
    }
  }

  async function recordFailure(a: Attempt, err: unknown): Promise<Outcome> {
    const { task } = a;
    if (err instanceof StopReason) {
      if (err.kind === 'lease_lost') return 'lost';
      if (err.kind === 'cancelled') return (await opts.queue.finishCancelled(task, workerId)) ? 'cancelled' : 'lost';
      return (await opts.queue.release(task, workerId)) ? 'released' : 'lost';
    }
    let message: string;
    let retryable: boolean;
    let breakerFailure: boolean;
    if (err instanceof TimeoutError) {
      message = `attempt timed out after ${a.timeoutMs} ms`;
      retryable = true;
      breakerFailure = true;
    } else if (err instanceof AgentCallError) {
      message = err.message;
      retryable = err.retryable;
      breakerFailure = err.retryable;
    } else {
      // Anything unexpected (a thrown bug in a builtin, a dropped connection mid-body, a failed
      // completion commit) is retried.
      message = err instanceof Error ? err.message : String(err);
      retryable = true;
      breakerFailure = true;
    }
    const status = await opts.queue.fail(task, workerId, message, { retryable, breakerFailure });
    if (status === undefined) return 'lost';
    return status === 'queued' ? 'retrying' : 'failed';
  }

  function finish(a: Attempt, outcome: Outcome, next?: ClaimedTask, drained?: boolean, leasedAhead?: readonly ClaimedTask[]): void {
    const durationMs = Date.now() - a.startedAt;
    try {
      opts.onAttemptFinished?.(a.task, outcome, durationMs);
    } catch (err) {
      log.error('attempt observer failed', { task_id: a.task.id, error: err });
    }
    log.info('task attempt finished', { task_id: a.task.id, agent_id: a.task.agent_id, attempt: a.task.attempts, outcome, duration_ms: durationMs });
    freeSlot(a, next, drained, leasedAhead);
  }

  /**
   * Something broke in the worker's own handling of an attempt (its outcome could not be
   * recorded): the slot is freed, and the task's lease runs out and the reaper re-queues it.
   */
  function crashed(a: Attempt, err: unknown): void {
    a.callEnded = true;
    if (a.deadline) deadlines.cancel(a.deadline);
    log.error('task attempt crashed', { task_id: a.task.id, error: err });
    freeSlot(a);
  }

  /**
   * The attempt leaves its slot, to the task its completion leased (if any) or to the next claim.
   * `drained`: the completion's commit looked for a task for this slot and found none, so a claim
   * now would find only what a wake-up announces; the slot waits for that (or the poll) instead
   * of claiming in vain beside the enqueue that is about to wake it.
   */
  function freeSlot(a: Attempt, next?: ClaimedTask, drained?: boolean, leasedAhead?: readonly ClaimedTask[]): void {
    if (running.get(a.task.id) !== a) return;
    running.delete(a.task.id);
    if (a.holdsSlot) busy -= 1;
    if (next) take(next);
    if (leasedAhead) for (const task of leasedAhead) take(task);
    // A slot this attempt held until now (a failure's) goes to a task waiting ahead.
    while (busy < opts.concurrency && ahead.length > 0 && !stopping) launch(ahead.shift()!.task);
    // Under load, claim in batches rather than one transaction per finished task; a single
    // free slot is still filled by the next wake-up or poll.
    if (!drained && opts.concurrency - busy - expecting >= claimBatch) tickSoon();
    if (running.size === 0 && idleWaiters.length > 0) {
      const waiters = idleWaiters;
      idleWaiters = [];
      for (const wake of waiters) wake();
    }
  }

  /** A task leased to this worker: into a free slot, else it waits ahead of one, after those already waiting. */
  function take(task: ClaimedTask): void {
    if (stopping) giveBack(task);
    else if (busy < opts.concurrency && ahead.length === 0) launch(task);
    else {
      ahead.push({ task, at: Date.now() });
      while (busy < opts.concurrency && ahead.length > 0) launch(ahead.shift()!.task);
    }
  }

  /**
   * Gives back a task leased to this worker that never started: leased for a slot while the
   * worker was stopping, or ahead of a slot that did not free in time.
   */
  function giveBack(task: ClaimedTask, reason?: string): void {
    const given = opts.queue.release(task, workerId, reason).then(
      () => undefined,
      (err: unknown) => {
        log.warn('could not give back a task leased to this worker; it returns when its lease expires', { task_id: task.id, error: (err as Error).message });
      },
    );
    givingBack.add(given);
    void given.then(() => givingBack.delete(given));
  }

  const whenIdle = (): Promise<void> => (running.size === 0 ? Promise.resolve() : new Promise((resolve) => idleWaiters.push(resolve)));

  /**
   * Renews the leases of all running attempts in one go (every third of the lease). An attempt
   * whose lease was lost, or whose task was asked to cancel, is told to stop.
   */
  async function renewLeases(): Promise<void> {
    // Tasks ahead are not renewed: one that has waited half a renewal period goes back to the
    // queue for any worker, long before its lease (three periods) runs out, and one that starts
    // later than that is renewed with the running ones within a period of starting.
    const stale = Date.now() - renewEveryMs / 2;
    while (ahead.length > 0 && ahead[0]!.at <= stale) giveBack(ahead.shift()!.task, 'leased ahead of a slot that did not free in time');
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
        if (!state) stopAttempt(a, new StopReason('lease_lost'));
        else if (state.cancelRequested) stopAttempt(a, new StopReason('cancelled'));
      }
    } catch (err) {
      log.warn('lease renewal failed', { attempts: attempts.length, error: (err as Error).message });
    } finally {
      renewing = false;
    }
  }

  const stopAll = () => {
    for (const a of [...running.values()]) stopAttempt(a, new StopReason('shutdown'));
  };

  return {
    name: 'task-worker',
    workerId,
    inFlight: () => running.size,
    async start() {
      if (started) return;
      started = true;
      unsubscribe = opts.notifier.subscribe('tasks', () => void tick());
      detachSlots = opts.idleSlots?.attach(reserveIdle);
      pollTimer = setInterval(() => void tick(), opts.pollIntervalMs);
      renewTimer = setInterval(() => void renewLeases(), renewEveryMs);
      void tick();
    },
    stop() {
      stopping ??= (async () => {
        if (!started) return;
        clearInterval(pollTimer);
        unsubscribe?.();
        detachSlots?.();
        for (const waiting of ahead.splice(0)) giveBack(waiting.task);
        if (running.size > 0) {
          log.info('waiting for running tasks', { count: running.size, grace_ms: opts.shutdownGraceMs });
          let timer: NodeJS.Timeout | undefined;
          const finished = await Promise.race([
            whenIdle().then(() => true),
            new Promise<boolean>((resolve) => {
              timer = setTimeout(() => resolve(false), opts.shutdownGraceMs);
            }),
          ]);
          clearTimeout(timer);
          if (!finished) {
            log.warn('grace period over: releasing tasks still running', { count: running.size });
            stopAll();
            await whenIdle();
          }
        }
        // Wait out a claim in progress (the worker's own, or an enqueue's for slots it lent) so
        // no task is left leased to a stopped worker.
        while (ticking || reserved > 0) await new Promise((r) => setTimeout(r, 10));
        stopAll();
        await whenIdle();
        await Promise.all([...givingBack]);
        clearInterval(renewTimer);
        while (renewing) await new Promise((r) => setTimeout(r, 10));
      })();
      return stopping;
    },
  };
}
