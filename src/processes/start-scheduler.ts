// The scheduler process's job: run the periodic jobs, acting only while it holds the leader lock.

import type { Platform } from './platform';
import type { Services } from './services';

export async function startScheduler(platform: Platform, _services: Services): Promise<void> {
  platform.logger.info('scheduler started');
}
