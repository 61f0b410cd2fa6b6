// Adds the events module's HTTP surface (GET /api/events) to a process.

import type { Platform } from '../../processes/platform';
import type { Services } from '../../processes/services';
import { eventRoutes } from './event-routes';

export function wireEvents(services: Services, _platform: Platform): void {
  services.routes.push(...eventRoutes(services.events));
}
