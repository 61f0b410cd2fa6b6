// graphile-worker as a queue subject: its own schema, addJobs for the bulk path, run() with the
// same concurrency, a silent logger (Catalynx runs at LOG_LEVEL=error too).

import { Logger, makeWorkerUtils, run, type Runner, type WorkerUtils } from 'graphile-worker';
import { createBenchSchema, withClient } from './postgres-schema';
import type { QueueSubject } from './queue-subject';
import { BULK_CALL_JOBS } from './noop-agent';

const silent = new Logger(() => () => undefined);

export function graphileWorkerSubject(opts: { baseUrl: string; concurrency: number }): QueueSubject {
  return {
    name: 'graphile-worker',
    async create(onStart) {
      const schema = await createBenchSchema(opts.baseUrl, 'gw');
      const common = { connectionString: opts.baseUrl, schema: schema.name, logger: silent };
      const utils: WorkerUtils = await makeWorkerUtils(common);
      await utils.migrate();
      let handled = 0;
      let runner: Runner | undefined;
      return {
        async enqueueBulk(n) {
          const specs = Array.from({ length: n }, (_, i) => ({ identifier: 'noop', payload: { i } }));
          // addJobs takes the whole batch in one statement; keep each call to a sane size.
          for (let i = 0; i < specs.length; i += BULK_CALL_JOBS) await utils.addJobs(specs.slice(i, i + BULK_CALL_JOBS));
        },
        async enqueueOne(seq) {
          await utils.addJob('noop', { seq });
        },
        async startWorker() {
          runner = await run({
            ...common,
            concurrency: opts.concurrency,
            noHandleSignals: true,
            taskList: {
              noop: async (payload) => {
                handled += 1;
                onStart((payload as { seq?: number } | null)?.seq);
              },
            },
          });
        },
        processed: () => handled,
        async allCompleted() {
          // Successful jobs are deleted from the table when they complete.
          const { rows } = await withClient(opts.baseUrl, (c) => c.query<{ n: string }>(`select count(*) as n from ${schema.name}._private_jobs`));
          return Number(rows[0]?.n ?? 1) === 0;
        },
        async teardown() {
          await runner?.stop();
          await utils.release();
          await schema.drop();
        },
      };
    },
  };
}
