// The worker process's job: claim queued tasks and run them (and the event subscriptions) until told to stop.

import type { Platform } from './platform';
import type { Services } from './services';
import { serveMetrics } from '../modules/metrics/wire-metrics';
import { startRunnables } from './start-runnables';

export async function startWorker(platform: Platform, services: Services): Promise<void> {
  await startRunnables(platform, services.workerRunnables);
  // In `all` the web serves /metrics on PORT; a worker alone serves it on METRICS_PORT (when set).
  if (platform.processType === 'worker' && services.metrics) await serveMetrics(platform, services.metrics);
  platform.logger.info('worker started', {
    concurrency: platform.config.worker.concurrency,
    components: services.workerRunnables.map((r) => r.name),
  });
}
