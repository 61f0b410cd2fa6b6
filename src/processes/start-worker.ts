// The worker process's job: claim queued tasks and run them until told to stop.

import type { Platform } from './platform';
import type { Services } from './services';

export async function startWorker(platform: Platform, _services: Services): Promise<void> {
  platform.logger.info('worker started', { concurrency: platform.config.worker.concurrency });
}
