// pg-boss as a queue subject: its own schema, insert() for the bulk path, one work() loop fetching
// batches of `concurrency` jobs run together, at its minimum polling interval (0.5 s).
//
// pg-boss's loop sleeps for the polling interval after every fetch, even a full one, unless the
// worker is notified; the handler calls notifyWorker after a full batch so a backlog drains back
// to back (the same "full batch: claim again at once" rule Catalynx's worker follows).

import PgBoss from 'pg-boss';
import { createBenchSchema, withClient } from './postgres-schema';
import type { QueueSubject } from './queue-subject';
import { BULK_CALL_JOBS } from './noop-agent';

const QUEUE = 'noop';

export function pgBossSubject(opts: { baseUrl: string; concurrency: number }): QueueSubject {
  return {
    name: 'pg-boss',
    async create(onStart) {
      const schema = await createBenchSchema(opts.baseUrl, 'pgb');
      const boss = new PgBoss({ connectionString: opts.baseUrl, schema: schema.name, max: 10, supervise: false, schedule: false });
      boss.on('error', () => undefined); // surfaced by the completion wait timing out instead
      await boss.start();
      await boss.createQueue(QUEUE);
      let handled = 0;
      let workerId: string | undefined;
      return {
        async enqueueBulk(n) {
          const jobs = Array.from({ length: n }, (_, i) => ({ name: QUEUE, data: { i } }));
          for (let i = 0; i < jobs.length; i += BULK_CALL_JOBS) await boss.insert(jobs.slice(i, i + BULK_CALL_JOBS));
        },
        async enqueueOne(seq) {
          await boss.send(QUEUE, { seq });
        },
        async startWorker() {
          workerId = await boss.work<{ seq?: number }>(QUEUE, { batchSize: opts.concurrency, pollingIntervalSeconds: 0.5 }, async (jobs) => {
            await Promise.all(
              jobs.map(async (job) => {
                handled += 1;
                onStart(job.data?.seq);
              }),
            );
            if (jobs.length === opts.concurrency && workerId) boss.notifyWorker(workerId);
          });
        },
        processed: () => handled,
        async allCompleted(n) {
          const { rows } = await withClient(opts.baseUrl, (c) =>
            c.query<{ n: string }>(`select count(*) as n from ${schema.name}.job where name = $1 and state = 'completed'`, [QUEUE]),
          );
          return Number(rows[0]?.n ?? 0) >= n;
        },
        async teardown() {
          await boss.stop({ graceful: true, wait: true, timeout: 5000 });
          await schema.drop();
        },
      };
    },
  };
}
