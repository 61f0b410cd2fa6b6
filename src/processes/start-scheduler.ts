// The scheduler process's job: run the periodic jobs, acting only while it holds the leader lock.

import type { Platform } from './platform';
import type { Services } from './services';
import { startRunnables } from './start-runnables';

export async function startScheduler(platform: Platform, services: Services): Promise<void> {
  await startRunnables(platform, services.schedulerRunnables);
  platform.logger.info('scheduler started', { components: services.schedulerRunnables.map((r) => r.name) });
}
