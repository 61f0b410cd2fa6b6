// Putting tasks on the queue: one (enqueue, or as a statement program inside a caller's transaction) or many at once (enqueueMany).
//
// An idempotency key names one task per agent: the unique (agent_id, idempotency_key) index
// decides between concurrent submits (ON CONFLICT DO NOTHING), and a request whose key is taken
// gets the task first queued with it, whether that was earlier in the same batch or before.
//
// On Postgres an enqueue of its own, in a process whose worker is idle, leases that worker's free
// slots in its own commit (idle-slots.ts): the insert and catalynx_claim_nowait go out with BEGIN
// and COMMIT in one round trip, and the task starts without a claim of its own.
import { agentSettings, type AgentSettingsSource } from '../../config';
import { exec, receive, runProgram, runProgramNow, send, sendNow, type DatabaseHandle, type Program, type Sent, type Tx } from '../../platform/db';
import type { TasksTable } from '../../platform/db/schema';
import { newRowId } from '../../platform/ids';
import { queryTemplate } from '../../platform/db/query-template';
import { bulkTaskInsertFor } from './bulk-task-insert';
import { claimParameters, createClaimNowaitQuery } from './claim-tasks';
import type { IdleSlots, SlotReservation } from './idle-slots';
import { toClaimedTask, toTask, type ClaimedTask, type Task } from './task';

export interface EnqueueRequest {
  agentId: string;
  action: string;
  input: unknown;
  priority?: number;
  delaySeconds?: number;
  maxAttempts?: number;
  timeoutSeconds?: number | null;
  idempotencyKey?: string | null;
  correlationId?: string | null;
  workflow?: { runId: string; stepId: string; kind: 'step' | 'compensation' };
  /** This task's back-off between attempts (a workflow step's retry policy); the queue's otherwise. */
  retry?: { baseMs?: number; maxMs?: number };
}

export interface EnqueueResult {
  task: Task;
  /** False when the request's idempotency key was taken: `task` is the one first queued with it. */
  created: boolean;
}

/** An insert sent ahead (statement-program.ts `send`): the task as it is to be inserted, and its outcome. */
export interface SentEnqueue {
  /** The task as bound; `result` says whether it was inserted, or which task holds its key. */
  task: Task;
  /** Receives the insert's answer: this task, or the one first queued with the request's key. */
  result(): Program<EnqueueResult>;
}

export interface TaskEnqueuer {
  enqueue(req: EnqueueRequest, trx?: Tx): Promise<EnqueueResult>;
  enqueueProgram(req: EnqueueRequest): Program<EnqueueResult>;
  /**
   * The insert of enqueueProgram sent without waiting for its answer, so the caller's next
   * statements go out with it (one round trip on Postgres); the caller asks `result()` before it
   * relies on the task having been inserted.
   */
  sendEnqueueProgram(req: EnqueueRequest): Program<SentEnqueue>;
  enqueueMany(reqs: readonly EnqueueRequest[], trx?: Tx): Promise<EnqueueResult[]>;
  /**
   * SQLite, with the connection free: enqueue of its own, done at once, synchronously (no
   * promise on a request's path). Undefined, having done nothing, where it cannot be (Postgres,
   * or the connection held by a transaction): use enqueue.
   */
  enqueueNow(req: EnqueueRequest): EnqueueResult | undefined;
}

export interface TaskEnqueuerOptions {
  database: DatabaseHandle;
  /** Per-agent settings (the default number of attempts). */
  agents: AgentSettingsSource;
  now: () => number;
  /** Called after a commit of this module's own that made new work claimable. */
  onQueued?(agentId: string): void;
  /** Postgres: the idle workers of this process, whose free slots an enqueue's commit leases. */
  idleSlots?: IdleSlots;
  /** The lease a task leased to an idle worker gets (the queue's lease). */
  leaseMs: number;
}

/** Idempotency keys per lookup of the tasks that already hold them. */
const KEYED_LOOKUP_CHUNK = 500;

export function createTaskEnqueuer(opts: TaskEnqueuerOptions): TaskEnqueuer {
  const { database, now } = opts;
  const { db, strategy } = database;
  const bulkInsert = bulkTaskInsertFor(strategy);
  // Only where the claim is a function a transaction can call (Postgres); SQLite's claim is local and synchronous.
  const idleSlots = strategy.migrationDialect.supportsFunctions ? opts.idleSlots : undefined;
  const claimNowaitQuery = createClaimNowaitQuery(db);

  function newTaskRow(req: EnqueueRequest, t: number): TasksTable {
    return {
      id: newRowId(),
      agent_id: req.agentId,
      action: req.action,
      input: JSON.stringify(req.input ?? null),
      status: 'queued',
      priority: req.priority ?? 0,
      run_at: t + Math.round((req.delaySeconds ?? 0) * 1000),
      attempts: 0,
      max_attempts: req.maxAttempts ?? agentSettings(opts.agents, req.agentId).maxAttempts,
      timeout_seconds: req.timeoutSeconds ?? null,
      idempotency_key: req.idempotencyKey ?? null,
      result: null,
      last_error: null,
      locked_by: null,
      locked_until: null,
      cancel_requested: 0,
      correlation_id: req.correlationId ?? null,
      workflow_run_id: req.workflow?.runId ?? null,
      workflow_step_id: req.workflow?.stepId ?? null,
      workflow_task_kind: req.workflow?.kind ?? null,
      retry_base_ms: req.retry?.baseMs ?? null,
      retry_max_ms: req.retry?.maxMs ?? null,
      created_at: t,
      updated_at: t,
      started_at: null,
      finished_at: null,
    };
  }

  /** Every column of a new task row, in newTaskRow's order (the insert statement lists them so). */
  const taskColumns = Object.keys(newTaskRow({ agentId: '', action: '', input: null }, 0)) as (keyof TasksTable)[];

  /** The insert of one task row, built and compiled once (every enqueue and saga step goes through it). */
  const insertOneQuery = queryTemplate<keyof TasksTable, never>((p) =>
    db
      .insertInto('tasks')
      .values(Object.fromEntries(taskColumns.map((c) => [c, p[c]])) as unknown as TasksTable)
      .onConflict((oc) => oc.columns(['agent_id', 'idempotency_key']).where('idempotency_key', 'is not', null).doNothing()),
  );

  const keyedTaskQuery = queryTemplate<'agent' | 'key', TasksTable>((p) =>
    db.selectFrom('tasks').selectAll().where('agent_id', '=', p.agent).where('idempotency_key', '=', p.key),
  );

  function* sendEnqueueProgram(req: EnqueueRequest): Program<SentEnqueue> {
    const row = newTaskRow(req, now());
    const sent = yield* send(insertOneQuery.statement(row));
    const task = toTask(row);
    return { task, result: () => insertResult(req, task, sent) };
  }

  function* enqueueProgram(req: EnqueueRequest): Program<EnqueueResult> {
    return yield* (yield* sendEnqueueProgram(req)).result();
  }

  function* insertResult(req: EnqueueRequest, task: Task, sent: Sent<never>): Program<EnqueueResult> {
    // ON CONFLICT DO NOTHING: the unique (agent_id, idempotency_key) index decides between two
    // concurrent submits; the loser reads the winner's task. NULL keys never conflict. A row
    // inserted is what was bound (no column has a default or a trigger), so it is not read back:
    // RETURNING * cost SQLite a fifth of the insert (63 against 50 µs) and Postgres the parsing
    // of 26 columns.
    const { numAffectedRows } = yield* receive(sent);
    if (Number(numAffectedRows ?? 0) > 0) return { task, created: true };
    const { rows: existing } = yield* exec(keyedTaskQuery.statement({ agent: req.agentId, key: req.idempotencyKey ?? '' }));
    if (!existing[0]) throw new Error(`task of agent ${req.agentId} with idempotency key ${req.idempotencyKey ?? ''} was neither inserted nor found`);
    return { task: toTask(existing[0]), created: false };
  }

  /** The tasks holding the keys of `rows` (rows that were not inserted), by agent and key. */
  function* tasksHoldingKeys(rows: readonly TasksTable[]): Program<Map<string, TasksTable>> {
    const found = new Map<string, TasksTable>();
    const keysByAgent = new Map<string, string[]>();
    for (const r of rows) if (r.idempotency_key !== null) (keysByAgent.get(r.agent_id) ?? keysByAgent.set(r.agent_id, []).get(r.agent_id)!).push(r.idempotency_key);
    for (const [agent, keys] of keysByAgent) {
      const distinct = [...new Set(keys)];
      for (let i = 0; i < distinct.length; i += KEYED_LOOKUP_CHUNK) {
        const query = db.selectFrom('tasks').selectAll().where('agent_id', '=', agent).where('idempotency_key', 'in', distinct.slice(i, i + KEYED_LOOKUP_CHUNK));
        for (const t of (yield* exec(query.compile())).rows) found.set(keyOf(t), t);
      }
    }
    return found;
  }

  /**
   * Inserts the requests in statements of bulkInsert.maxRows and answers each in order. Each
   * statement goes out as soon as it is built (sendNow), so on Postgres the database inserts one
   * chunk while Node builds the next; the rows are made chunk by chunk for the same reason.
   */
  function* enqueueManyProgram(reqs: readonly EnqueueRequest[], t: number): Program<EnqueueResult[]> {
    const keyed = reqs.some((r) => r.idempotencyKey != null);
    const rows = new Array<TasksTable>(reqs.length);
    const statements: Sent<{ id: string }>[] = [];
    for (let i = 0; i < reqs.length; i += bulkInsert.maxRows) {
      const chunk = new Array<TasksTable>(Math.min(bulkInsert.maxRows, reqs.length - i));
      for (let j = 0; j < chunk.length; j++) chunk[j] = rows[i + j] = newTaskRow(reqs[i + j]!, t);
      statements.push(yield* sendNow(bulkInsert.statement(chunk, keyed)));
    }
    // A row inserted is what was bound (no column has a default or a trigger), so it is answered
    // from memory; requests whose key was taken (earlier, or earlier in this batch) get that task.
    let inserted: Set<string> | undefined;
    for (const statement of statements) {
      const { rows: ids } = yield* receive(statement);
      if (keyed) for (const r of ids) (inserted ??= new Set()).add(r.id);
    }
    if (!keyed) return rows.map((row) => ({ task: toTask(row), created: true }));
    const mine = inserted ?? new Set<string>();
    const taken = mine.size === rows.length ? new Map<string, TasksTable>() : yield* tasksHoldingKeys(rows.filter((r) => !mine.has(r.id)));
    return rows.map((row) => {
      if (mine.has(row.id)) return { task: toTask(row), created: true };
      const existing = taken.get(keyOf(row));
      if (!existing) throw new Error(`task of agent ${row.agent_id} with idempotency key ${row.idempotency_key ?? ''} was neither inserted nor found`);
      return { task: toTask(existing), created: false };
    });
  }

  /**
   * The insert and the claim for the reserved slots, sent without waiting: with BEGIN and COMMIT
   * they are one round trip. The claim goes after the insert, so it sees the new task.
   */
  function* insertAndClaim(req: EnqueueRequest, reservation: SlotReservation): Program<{ sent: SentEnqueue; claim: Sent<TasksTable>; claimedAt: number }> {
    const sent = yield* sendEnqueueProgram(req);
    const claimedAt = now();
    const claim = yield* send(claimNowaitQuery.statement(claimParameters(opts, reservation.workerId, reservation.slots, claimedAt)));
    return { sent, claim, claimedAt };
  }

  /**
   * An enqueue of its own that leases an idle worker's reserved slots in its commit. The worker
   * gets what was leased (its due tasks best first, this one among them unless others came
   * first or its agent is at its limit); the other workers are woken only if this task was not.
   */
  async function enqueueToIdle(req: EnqueueRequest, reservation: SlotReservation): Promise<EnqueueResult> {
    let leased: ClaimedTask[] = [];
    try {
      const { sent, claim, claimedAt } = await strategy.writeTransaction(db, (trx) => runProgram(database, trx, insertAndClaim(req, reservation)));
      // Answered before COMMIT was, so it is at hand (a promise only when the statements ran one by one).
      leased = (claim.answer ?? (await claim.result())).rows.map((r) => toClaimedTask(r, claimedAt));
      const result = await runProgram(database, db, sent.result());
      if (result.created && !leased.some((t) => t.id === result.task.id)) opts.onQueued?.(req.agentId);
      return result;
    } finally {
      reservation.fill(leased);
    }
  }

  return {
    enqueue(req, trx) {
      if (trx !== undefined && trx !== db) return runProgram(database, trx, enqueueProgram(req));
      // A delayed task is not due yet: no slot to lend it.
      const reservation = req.delaySeconds ? undefined : idleSlots?.reserve();
      if (reservation) return enqueueToIdle(req, reservation);
      // On its own it commits at once: wake the workers (a caller's transaction announces itself).
      return runProgram(database, db, enqueueProgram(req)).then((result) => {
        if (result.created) opts.onQueued?.(req.agentId);
        return result;
      });
    },

    enqueueProgram,
    sendEnqueueProgram,

    enqueueNow(req) {
      const done = runProgramNow(database, enqueueProgram(req));
      if (done?.value.created) opts.onQueued?.(req.agentId);
      return done?.value;
    },

    async enqueueMany(reqs, trx) {
      const t = now();
      // All or nothing: one transaction (the caller's, or one of its own). A batch that fits one
      // insert needs none of its own: the statement is atomic, and looking up the tasks holding
      // taken keys only reads (under READ COMMITTED a transaction's later statement would not see
      // them any earlier). That saves Postgres two round trips per call.
      if (trx !== undefined && trx !== db) return runProgram(database, trx, enqueueManyProgram(reqs, t));
      const results =
        reqs.length <= bulkInsert.maxRows
          ? await runProgram(database, db, enqueueManyProgram(reqs, t))
          : await strategy.writeTransaction(db, (q) => runProgram(database, q, enqueueManyProgram(reqs, t)));
      for (const agentId of new Set(results.filter((r) => r.created).map((r) => r.task.agent_id))) opts.onQueued?.(agentId);
      return results;
    },
  };
}

function keyOf(row: Pick<TasksTable, 'agent_id' | 'idempotency_key'>): string {
  return `${row.agent_id}\u0000${row.idempotency_key ?? ''}`;
}
