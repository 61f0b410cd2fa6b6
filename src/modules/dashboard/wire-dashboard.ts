// Adds the operator dashboard's routes to the web process (one wiring line in services.ts).

import type { Services } from '../../processes/services';
import { dashboardRoutes } from './dashboard-routes';

export function wireDashboard(services: Services): void {
  services.routes.push(...dashboardRoutes());
}
