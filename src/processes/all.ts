// Entrypoint of `npm start`: migrations, then web, worker and scheduler in one process.

import { migrateToLatest } from '../platform/db';
import { runProcess } from './platform';
import { buildServices, initializeServices } from './services';
import { startScheduler } from './start-scheduler';
import { startWeb } from './start-web';
import { startWorker } from './start-worker';

runProcess('all', async (platform) => {
  const applied = await migrateToLatest(platform.database);
  if (applied.length) platform.logger.info('migrations applied', { applied });
  const services = buildServices(platform);
  await initializeServices(services);
  await startScheduler(platform, services);
  await startWorker(platform, services);
  await startWeb(platform, services);
});
