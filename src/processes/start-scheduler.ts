// The scheduler process's job: run the periodic jobs, acting only while it holds the leader lock.

import type { Platform } from './platform';
import type { Services } from './services';
import { serveMetrics } from '../modules/metrics/wire-metrics';
import { startRunnables } from './start-runnables';

export async function startScheduler(platform: Platform, services: Services): Promise<void> {
  await startRunnables(platform, services.schedulerRunnables);
  // In `all` the web serves /metrics on PORT; a scheduler alone serves it on METRICS_PORT (when set).
  if (platform.processType === 'scheduler' && services.metrics) await serveMetrics(platform, services.metrics);
  platform.logger.info('scheduler started', { components: services.schedulerRunnables.map((r) => r.name) });
}
