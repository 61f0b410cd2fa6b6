// Adds the profiles module to a process: its routes and the subscription keeping its read model.

import type { Platform } from '../../processes/platform';
import type { Services } from '../../processes/services';
import { createProfileProjection } from './profile-projection-subscription';
import { createProfileReadModel } from './profile-read-model';
import { profileRoutes } from './profile-routes';
import { createProfiles, type Profiles } from './profiles';

export function wireProfiles(services: Services, platform: Platform): Profiles {
  const profiles = createProfiles({ events: services.events, notifier: platform.notifier });
  services.routes.push(...profileRoutes(profiles, createProfileReadModel(platform.database)));
  services.workerRunnables.push(
    createProfileProjection({
      database: platform.database,
      events: services.events,
      notifier: platform.notifier,
      logger: platform.logger,
      pollIntervalMs: platform.config.worker.pollIntervalMs,
    }),
  );
  return profiles;
}
