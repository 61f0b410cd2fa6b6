// Adds intelligence tiers to a process: the start route and the hook recording completed runs' reports.

import type { Platform } from '../../processes/platform';
import type { Services } from '../../processes/services';
import { intelligenceRoutes } from './intelligence-routes';
import { recordTierReport, tierRunMetadataOf } from './record-tier-report';

/** Needs services.workflows and services.profiles: wire it after both. */
export function wireIntelligence(services: Services, platform: Platform): void {
  const { workflows, profiles } = services;
  if (!workflows || !profiles) throw new Error('wireIntelligence needs services.workflows and services.profiles: wire those modules first');
  // Every process type registers the hook: whichever process finishes a run's last task records its report.
  // Only completed tier runs record a report; other runs' transactions do not wait for the hook.
  workflows.onRunFinished(recordTierReport({ profiles, logger: platform.logger }), {
    when: (run) => run.status === 'completed' && tierRunMetadataOf(run) !== undefined,
  });
  services.routes.push(...intelligenceRoutes({ profiles, workflows }));
}
