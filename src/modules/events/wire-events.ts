// Adds the events module's HTTP surface (GET and POST /api/events) to a process.

import type { Platform } from '../../processes/platform';
import type { Services } from '../../processes/services';
import { eventRoutes } from './event-routes';
import { publishAppended } from './publish-appended';

export function wireEvents(services: Services, platform: Platform): void {
  const log = platform.logger.child('events');
  services.routes.push(
    ...eventRoutes(services.events, {
      publish: (appended) => publishAppended(platform.notifier, appended),
      // The event is stored whatever happens here: a wait that is not resumed now is by the timer.
      afterAppend: async (appended) => {
        const workflows = services.workflows;
        if (!workflows) return;
        await workflows.resumeWaits([...new Set(appended.map((e) => e.type))]).catch((err: unknown) => log.warn('resuming workflow waits failed; the timer retries', { error: err }));
      },
    }),
  );
}
