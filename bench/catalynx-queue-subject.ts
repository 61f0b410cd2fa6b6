// Catalynx as a queue subject: its TaskQueue and task worker on a fresh database, no-op builtin.

import { createCatalynxStack } from './catalynx-stack';
import { NOOP_AGENT_ID, queueNoopJobs } from './noop-agent';
import type { QueueSubject } from './queue-subject';

export interface CatalynxSubjectOptions {
  name: string;
  concurrency: number;
  /** A fresh database URL per instance, and how to remove it afterwards. */
  freshDatabase(): Promise<{ url: string; drop(): Promise<void> }>;
  env?: Record<string, string>;
}

export function catalynxQueueSubject(opts: CatalynxSubjectOptions): QueueSubject {
  return {
    name: opts.name,
    async create(onStart) {
      const database = await opts.freshDatabase();
      let handled = 0;
      const stack = await createCatalynxStack({
        databaseUrl: database.url,
        concurrency: opts.concurrency,
        env: opts.env,
        onTaskStart: (input) => {
          handled += 1;
          onStart((input as { seq?: number } | null)?.seq);
        },
      });
      const { queue } = stack.tasks;
      const { db } = stack.platform.database;
      return {
        enqueueBulk: (n) => queueNoopJobs(queue, n),
        async enqueueOne(seq) {
          await queue.enqueue({ agentId: NOOP_AGENT_ID, action: 'run', input: { seq } });
        },
        startWorker: () => stack.startWorker(),
        processed: () => handled,
        async allCompleted(n) {
          const r = await db
            .selectFrom('tasks')
            .select((eb) => eb.fn.countAll().as('n'))
            .where('status', '=', 'succeeded')
            .executeTakeFirst();
          return Number(r?.n ?? 0) >= n;
        },
        async teardown() {
          await stack.stop();
          await database.drop();
        },
      };
    },
  };
}
