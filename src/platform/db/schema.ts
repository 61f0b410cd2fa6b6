// Kysely table types for every table the migrations create. Times are epoch milliseconds;
// JSON values are stored as text (identical on SQLite and Postgres); booleans as 0/1.

import type { Generated } from 'kysely';

export interface AgentsTable {
  id: string;
  name: string;
  runtime: 'builtin' | 'http';
  capabilities: string; // JSON string[]
  endpoint: string;
  version: string;
  health_check_url: string;
  metadata: string; // JSON Record<string,string>
  status: 'unknown' | 'healthy' | 'unhealthy';
  health_message: string | null;
  last_heartbeat_at: number | null;
  last_health_check_at: number | null;
  created_at: number;
  updated_at: number;
}

export interface CircuitBreakersTable {
  name: string; // "agent:<id>" or "service:<name>"
  state: 'closed' | 'open' | 'half_open';
  failure_count: number;
  opened_at: number | null;
  trial_started_at: number | null;
  updated_at: number;
}

export interface TasksTable {
  id: string;
  agent_id: string;
  action: string;
  input: string; // JSON
  status: 'queued' | 'running' | 'succeeded' | 'failed' | 'cancelled';
  priority: number;
  run_at: number;
  attempts: number;
  max_attempts: number;
  timeout_seconds: number | null;
  idempotency_key: string | null;
  result: string | null; // JSON
  last_error: string | null;
  locked_by: string | null;
  locked_until: number | null;
  cancel_requested: number;
  correlation_id: string | null;
  workflow_run_id: string | null;
  workflow_step_id: string | null;
  workflow_task_kind: 'step' | 'compensation' | null;
  /** This task's back-off between attempts (a workflow step's retry policy); null: the queue's. */
  retry_base_ms: number | null;
  retry_max_ms: number | null;
  created_at: number;
  updated_at: number;
  started_at: number | null;
  finished_at: number | null;
}

export interface TaskAttemptsTable {
  task_id: string;
  attempt: number;
  worker_id: string;
  started_at: number;
  finished_at: number | null;
  outcome: 'succeeded' | 'failed' | 'retrying' | 'lease_expired' | 'released' | 'cancelled' | null;
  error: string | null;
}

export interface WorkflowsTable {
  id: string;
  name: string;
  definition: string; // JSON WorkflowDefinition
  schedule: string | null;
  source: 'api' | 'file';
  created_at: number;
  updated_at: number;
  /** The latest version (workflow_versions holds every one). */
  version: number;
}

export interface WorkflowVersionsTable {
  workflow_id: string;
  version: number;
  definition: string; // JSON WorkflowDefinition
  source: 'api' | 'file';
  created_at: number;
}

export interface WorkflowRunsTable {
  id: string;
  workflow_id: string;
  status: 'running' | 'completed' | 'compensating' | 'compensated' | 'failed' | 'cancelled';
  input: string; // JSON
  definition: string; // JSON snapshot of the definition the run started with
  idempotency_key: string | null;
  error: string | null;
  metadata: string; // JSON
  correlation_id: string | null;
  created_at: number;
  updated_at: number;
  finished_at: number | null;
  /** The run whose step started this one as a child workflow. */
  parent_run_id: string | null;
  parent_step_id: string | null;
  workflow_version: number | null;
  output: string | null; // JSON result of a completed run
}

export interface WorkflowRunStepsTable {
  run_id: string;
  step_id: string;
  position: number;
  status:
    | 'pending'
    | 'running'
    | 'succeeded'
    | 'failed'
    | 'skipped'
    | 'waiting'
    | 'cancelled'
    | 'compensating'
    | 'compensated'
    | 'compensation_failed';
  kind: 'agent' | 'sleep' | 'wait' | 'workflow' | 'parallel' | 'branch';
  /** The group or branch this step belongs to (null at the top level). */
  parent_id: string | null;
  /** When a sleep ends, a wait times out, or a running step's deadline passes. */
  wake_at: number | null;
  wait_type: string | null;
  wait_spec: string | null; // JSON { match, after }
  child_run_id: string | null;
  /** Order of completion within the run (compensation runs in reverse). */
  completed_seq: number | null;
  task_id: string | null;
  compensation_task_id: string | null;
  attempts: number;
  output: string | null; // JSON
  error: string | null;
  started_at: number | null;
  finished_at: number | null;
}

export interface EventsTable {
  position: Generated<number>;
  id: string;
  aggregate_type: string;
  aggregate_id: string;
  version: number;
  type: string;
  data: string; // JSON
  metadata: string; // JSON
  timestamp: number;
}

export interface SubscriptionCheckpointsTable {
  subscriber: string;
  position: number;
  updated_at: number;
}

export interface ProfilesTable {
  id: string;
  name: string;
  organization: string;
  ein: string | null;
  mission: string;
  focus_areas: string; // JSON string[]
  states: string; // JSON string[]
  revenue_min: number | null;
  revenue_max: number | null;
  version: number;
  created_at: number;
  updated_at: number;
}

export interface ProfileReportsTable {
  profile_id: string;
  run_id: string;
  tier: string;
  report: string; // JSON
  created_at: number;
}

export interface FeatureFlagsTable {
  name: string;
  state: 'disabled' | 'enabled' | 'rollout';
  rollout_percentage: number;
  conditions: string; // JSON
  description: string;
  source: 'file' | 'api';
  version: number;
  updated_at: number;
}

export interface ApiKeysTable {
  id: string;
  name: string;
  key_hash: string;
  prefix: string;
  scopes: string; // JSON string[]
  created_at: number;
  revoked_at: number | null;
  last_used_at: number | null;
}

export interface ServicesTable {
  name: string;
  base_url: string;
  routes: string; // JSON string[]
  health_url: string | null;
  timeout_ms: number | null;
  created_at: number;
  updated_at: number;
}

export interface SchedulerLocksTable {
  name: string;
  owner: string;
  expires_at: number;
}

export interface ScheduledTicksTable {
  job: string;
  tick: number;
  owner: string;
  ran_at: number;
}

export interface Database {
  agents: AgentsTable;
  circuit_breakers: CircuitBreakersTable;
  tasks: TasksTable;
  task_attempts: TaskAttemptsTable;
  workflows: WorkflowsTable;
  workflow_versions: WorkflowVersionsTable;
  workflow_runs: WorkflowRunsTable;
  workflow_run_steps: WorkflowRunStepsTable;
  events: EventsTable;
  subscription_checkpoints: SubscriptionCheckpointsTable;
  profiles: ProfilesTable;
  profile_reports: ProfileReportsTable;
  feature_flags: FeatureFlagsTable;
  api_keys: ApiKeysTable;
  services: ServicesTable;
  scheduler_locks: SchedulerLocksTable;
  scheduled_ticks: ScheduledTicksTable;
}
