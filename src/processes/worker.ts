// Entrypoint of the `worker` process type (Procfile: worker): claims and runs tasks.

import { assertSchemaCurrent } from '../platform/db';
import { runProcess } from './platform';
import { buildServices, initializeServices } from './services';
import { startWorker } from './start-worker';

runProcess('worker', async (platform) => {
  await assertSchemaCurrent(platform.database);
  const services = buildServices(platform);
  await initializeServices(services);
  await startWorker(platform, services);
});
