// Entrypoint of the `scheduler` process type (Procfile: scheduler): periodic jobs, one leader at a time.

import { assertSchemaCurrent } from '../platform/db';
import { runProcess } from './platform';
import { buildServices, initializeServices } from './services';
import { startScheduler } from './start-scheduler';

runProcess('scheduler', async (platform) => {
  await assertSchemaCurrent(platform.database);
  const services = buildServices(platform);
  await initializeServices(services);
  await startScheduler(platform, services);
});
