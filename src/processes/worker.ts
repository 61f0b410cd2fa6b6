// Entrypoint of the `worker` process type (Procfile: worker): claims and runs tasks.

import { assertSchemaCurrent } from '../platform/db';
import { runProcess } from './platform';
import { buildServices } from './services';
import { startWorker } from './start-worker';

runProcess('worker', async (platform) => {
  await assertSchemaCurrent(platform.database);
  await startWorker(platform, buildServices(platform));
});
