// On Postgres without Redis, a completion batch's finishing statement sends the `task-finished`
// notification to the other processes itself, in its own transaction (migration 0009): another
// process's waiter hears of the task, this process's subscribers hear of it once (not again when
// the notification comes back over this process's own LISTEN connection), and the notifier's
// transport sends no statement of its own for it. Two notifiers on their own LISTEN connections
// stand for two processes.

import { PassThrough } from 'node:stream';
import type { AgentSettings } from '../../src/config';
import { createBreakerStore } from '../../src/modules/agents/breaker-store';
import { finishedNoticeThroughDatabase, publishFinished, subscribeFinished } from '../../src/modules/tasks/finished-notice';
import { createTaskQueue, type TaskQueue } from '../../src/modules/tasks/task-queue';
import type { DatabaseHandle } from '../../src/platform/db';
import { createLogger } from '../../src/platform/logger';
import { createNotifier, type Notifier } from '../../src/platform/notifier';
import { channelPrefixFor, createPostgresNotifyTransport } from '../../src/platform/postgres-notify-transport';
import { createTestDatabase, postgresUrlOrSkip, type TestDatabase } from '../support/services';

const pgService = postgresUrlOrSkip();
const defaults: AgentSettings = { maxConcurrentTasks: 100, timeoutSeconds: 30, maxAttempts: 3, circuitFailureThreshold: 5, circuitRecoveryTimeoutSeconds: 30 };

(pgService.url ? describe : describe.skip)(`task-finished notifications sent by the finishing statement${pgService.skip ? ` [skipped: ${pgService.skip}]` : ''}`, () => {
  const logger = createLogger({ level: 'error', processType: 'test', stream: new PassThrough() }).logger;
  let db: TestDatabase;
  let handle: DatabaseHandle;
  const notifiers: Notifier[] = [];

  beforeAll(async () => {
    db = await createTestDatabase('postgres');
    handle = await db.open();
  });
  afterAll(async () => {
    for (const n of notifiers) await n.close();
    await db?.cleanup();
  });

  /** A process's notifier on Postgres LISTEN/NOTIFY; `transportSent` lists the channels its transport was asked to send. */
  function processNotifier(): { notifier: Notifier; transportSent: string[] } {
    const transportSent: string[] = [];
    const notifier = createNotifier({
      redis: null,
      logger,
      transport: (deliver, prefix) => {
        const transport = createPostgresNotifyTransport({ url: db.url, logger, prefix: channelPrefixFor(db.url, prefix), onMessage: deliver });
        return {
          ...transport,
          publish(channel, message) {
            transportSent.push(channel);
            transport.publish(channel, message);
          },
        };
      },
    });
    notifiers.push(notifier);
    return { notifier, transportSent };
  }

  function queueOf(notifier: Notifier): TaskQueue {
    return createTaskQueue({
      database: handle,
      breakers: createBreakerStore(),
      agents: { agentDefaults: defaults, agentOverrides: {} },
      leaseMs: 30_000,
      retryBaseMs: 10,
      retryMaxMs: 100,
      onTasksFinished: (ids, _status, sentByDatabase) => publishFinished(notifier, ids, sentByDatabase),
      finishedNotice: finishedNoticeThroughDatabase(notifier),
    });
  }

  /** Resolves once `received` holds `id`, or rejects after `ms`. */
  async function heard(received: string[][], id: string, ms = 5000): Promise<void> {
    const deadline = Date.now() + ms;
    while (!received.some((ids) => ids.includes(id))) {
      if (Date.now() > deadline) throw new Error(`no task-finished notification for ${id} within ${ms} ms`);
      await new Promise((r) => setTimeout(r, 10));
    }
  }

  /** Waits until the notifier's LISTEN connection is listening (a notification sent before that is lost). */
  async function listening(notifier: Notifier): Promise<void> {
    const probe: string[] = [];
    const off = notifier.subscribe('probe', (payload) => probe.push(payload));
    const { notifier: other } = processNotifier();
    const deadline = Date.now() + 5000;
    while (probe.length === 0) {
      if (Date.now() > deadline) throw new Error('the LISTEN connection did not come up');
      other.publish('probe', 'ping');
      await new Promise((r) => setTimeout(r, 50));
    }
    off();
  }

  it('reaches another process from the statement itself, and this process once', async () => {
    const worker = processNotifier();
    const web = processNotifier();
    expect(worker.notifier.throughDatabase('task-finished')).toEqual({ channel: expect.stringContaining('task-finished'), origin: expect.any(String) });

    const inWeb: string[][] = [];
    const inWorker: string[][] = [];
    subscribeFinished(web.notifier, (ids) => inWeb.push([...ids]));
    subscribeFinished(worker.notifier, (ids) => inWorker.push([...ids]));
    await listening(web.notifier);
    await listening(worker.notifier);

    const queue = queueOf(worker.notifier);
    const { task } = await queue.enqueue({ agentId: 'notice', action: 'run', input: {} });
    const [claimed] = await queue.claim('w1', 1);
    expect(claimed?.id).toBe(task.id);
    const answer = await queue.completeAndTakeNext(claimed!, 'w1', { ok: true });
    expect(answer.completed).toBe(true);

    await heard(inWeb, task.id);
    await heard(inWorker, task.id);
    // Its own notification coming back over the worker's LISTEN connection is not delivered again.
    await new Promise((r) => setTimeout(r, 300));
    expect(inWorker.filter((ids) => ids.includes(task.id))).toHaveLength(1);
    expect(inWeb.filter((ids) => ids.includes(task.id))).toHaveLength(1);
    // No statement of the notifier's own carried it.
    expect(worker.transportSent.filter((c) => c === 'task-finished')).toEqual([]);
  });

  it('sends nothing for a completion that finished nothing', async () => {
    const worker = processNotifier();
    const web = processNotifier();
    const inWeb: string[][] = [];
    subscribeFinished(web.notifier, (ids) => inWeb.push([...ids]));
    await listening(web.notifier);

    const queue = queueOf(worker.notifier);
    const { task } = await queue.enqueue({ agentId: 'notice', action: 'run', input: {} });
    const [claimed] = await queue.claim('w1', 1);
    // Another worker's completion is refused by the lease fence: nothing finished, nothing announced.
    const answer = await queue.completeAndTakeNext({ ...claimed!, locked_by: 'w2' }, 'w2', { ok: true });
    expect(answer.completed).toBe(false);
    await new Promise((r) => setTimeout(r, 300));
    expect(inWeb.flat()).not.toContain(task.id);

    // The lease holder's completion is announced.
    expect((await queue.completeAndTakeNext(claimed!, 'w1', { ok: true })).completed).toBe(true);
    await heard(inWeb, task.id);
  });

  it('is published by the transport where there is no Postgres notification channel (in-process notifier)', async () => {
    const local = createNotifier({ redis: null, logger });
    notifiers.push(local);
    expect(local.throughDatabase('task-finished')).toBeUndefined();
    const heardLocally: string[][] = [];
    subscribeFinished(local, (ids) => heardLocally.push([...ids]));
    const queue = queueOf(local);
    const { task } = await queue.enqueue({ agentId: 'notice', action: 'run', input: {} });
    const [claimed] = await queue.claim('w1', 1);
    expect((await queue.completeAndTakeNext(claimed!, 'w1', { ok: true })).completed).toBe(true);
    await heard(heardLocally, task.id);
  });
});
