// BullMQ as a reference queue subject on Redis: addBulk for the bulk path, one Worker with the
// same concurrency; completed jobs are kept (removeOnComplete off) so completion is countable.

import { randomBytes } from 'node:crypto';
import { Queue, Worker, type ConnectionOptions } from 'bullmq';
import type { QueueSubject } from './queue-subject';
import { BULK_CALL_JOBS } from './noop-agent';

export function bullmqSubject(opts: { redisUrl: string; concurrency: number }): QueueSubject {
  const u = new URL(opts.redisUrl);
  const connection: ConnectionOptions = {
    host: u.hostname,
    port: Number(u.port || 6379),
    password: u.password ? decodeURIComponent(u.password) : undefined,
    db: u.pathname.length > 1 ? Number(u.pathname.slice(1)) : 0,
    maxRetriesPerRequest: null,
  };
  return {
    name: 'BullMQ (Redis)',
    async create(onStart) {
      const name = `catalynx-bench-${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`;
      const queue = new Queue(name, { connection });
      await queue.waitUntilReady();
      let handled = 0;
      let worker: Worker | undefined;
      return {
        async enqueueBulk(n) {
          const jobs = Array.from({ length: n }, (_, i) => ({ name: 'noop', data: { i } }));
          for (let i = 0; i < jobs.length; i += BULK_CALL_JOBS) await queue.addBulk(jobs.slice(i, i + BULK_CALL_JOBS));
        },
        async enqueueOne(seq) {
          await queue.add('noop', { seq });
        },
        async startWorker() {
          worker = new Worker(
            name,
            async (job) => {
              handled += 1;
              onStart((job.data as { seq?: number }).seq);
            },
            { connection, concurrency: opts.concurrency },
          );
          await worker.waitUntilReady();
        },
        processed: () => handled,
        async allCompleted(n) {
          return (await queue.getCompletedCount()) >= n;
        },
        async teardown() {
          await worker?.close();
          await queue.obliterate({ force: true });
          await queue.close();
        },
      };
    },
  };
}
