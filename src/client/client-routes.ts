// Which client method serves each API operation. `satisfies` makes the compiler refuse this table
// (and so the build) when the regenerated OpenAPI types gain or lose an operation; the client test
// checks at run time that each named method exists and the document served matches.

import type { OperationId } from './openapi-types';

/** A dotted client method (`tasks.execute`), or why the operation has none. */
export type ClientRoute = string | { none: string };

const DASHBOARD = { none: 'the operator dashboard page and its assets, for browsers' };

export const CLIENT_ROUTES = {
  get_health: 'health.get',
  get_health_live: 'health.live',
  get_health_ready: 'health.ready',
  post_api_agents: 'agents.register',
  get_api_agents: 'agents.list',
  get_api_agents_by_id: 'agents.get',
  delete_api_agents_by_id: 'agents.remove',
  post_api_agents_by_id_heartbeat: 'agents.heartbeat',
  post_api_agents_by_id_execute: 'tasks.execute',
  post_api_agents_by_id_execute_batch: 'tasks.executeBatch',
  get_api_tasks: 'tasks.list',
  get_api_tasks_by_id: 'tasks.get',
  post_api_tasks_by_id_cancel: 'tasks.cancel',
  post_api_tasks_by_id_retry: 'tasks.retry',
  post_api_workflows: 'workflows.define',
  get_api_workflows: 'workflows.list',
  get_api_workflows_by_id: 'workflows.get',
  get_api_workflows_by_id_versions_by_version: 'workflows.version',
  post_api_workflows_by_id_runs: 'workflows.start',
  get_api_workflow_runs: 'runs.list',
  get_api_workflow_runs_by_id: 'runs.get',
  post_api_workflow_runs_by_id_cancel: 'runs.cancel',
  get_api_events: 'events.list',
  post_api_events: 'events.append',
  post_api_profiles: 'profiles.create',
  get_api_profiles: 'profiles.list',
  get_api_profiles_by_id: 'profiles.get',
  patch_api_profiles_by_id: 'profiles.update',
  get_api_profiles_by_id_events: 'profiles.events',
  get_api_profiles_by_id_reports: 'profiles.reports',
  get_api_profiles_by_id_reports_by_run_id: 'profiles.report',
  post_api_profiles_by_id_intelligence_by_tier: 'profiles.runIntelligence',
  get_api_flags: 'flags.list',
  get_api_flags_by_name: 'flags.get',
  put_api_flags_by_name: 'flags.set',
  post_api_flags_by_name_evaluate: 'flags.evaluate',
  get_api_flags_by_name_history: 'flags.history',
  post_api_keys: 'keys.create',
  get_api_keys: 'keys.list',
  delete_api_keys_by_id: 'keys.revoke',
  post_api_services: 'services.register',
  get_api_services: 'services.list',
  delete_api_services_by_name: 'services.remove',
  get_openapi_json: 'meta.openapi',
  get_metrics: 'meta.metrics',
  get_dashboard: DASHBOARD,
  get_dashboard_app_js: DASHBOARD,
  get_dashboard_app_css: DASHBOARD,
} as const satisfies Record<OperationId, ClientRoute>;
