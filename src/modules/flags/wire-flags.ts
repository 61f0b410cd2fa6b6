// Adds feature flags to a process: file flags stored at start, the /api/flags routes, and the snapshot refresher.
import type { Platform } from '../../processes/platform';
import type { Services } from '../../processes/services';
import { createFlagSnapshot, type FeatureFlags } from './feature-flags';
import { createFlagStore } from './flag-store';
import { flagRoutes } from './flag-routes';
import { createFlagsRefresher } from './flags-refresher';
import { loadFlagsFile } from './load-flags-file';

export function wireFlags(
  services: Pick<Services, 'events' | 'routes' | 'workerRunnables' | 'initializers'>,
  platform: Pick<Platform, 'config' | 'database' | 'notifier' | 'logger' | 'shutdown'>,
): FeatureFlags {
  const { config, database, notifier, logger, shutdown } = platform;
  const store = createFlagStore({ database, events: services.events, notifier });
  const snapshot = createFlagSnapshot();
  const refresher = createFlagsRefresher({
    snapshot,
    load: () => store.list(),
    notifier,
    logger,
    intervalMs: config.flags.refreshSeconds * 1000,
  });
  services.routes.push(...flagRoutes(store, snapshot));
  services.workerRunnables.push(refresher);
  services.initializers.push(async () => {
    // An invalid file throws FlagsFileError here, whose message lists every problem: start-up fails with it.
    if (config.flags.path) await store.syncFromFile(await loadFlagsFile(config.flags.path));
    // Every process type (web included) evaluates flags, so every one keeps its snapshot fresh.
    await refresher.start();
    shutdown.onShutdown(refresher.name, () => refresher.stop());
  });
  return snapshot;
}
