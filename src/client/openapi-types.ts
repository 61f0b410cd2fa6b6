// Generated from the OpenAPI document by src/processes/generate-client-types.ts: do not edit.
// Regenerate with `npm run generate:client`; test/integration/client-openapi.test.ts fails when this file is stale.
/* eslint-disable */

export type Agent = {
  id: string;
  name: string;
  capabilities: string[];
  endpoint: string;
  version: string;
  health_check_url: string;
  metadata: {
    [key: string]: string;
  };
  runtime: "builtin" | "http";
  status: "unknown" | "healthy" | "unhealthy";
  health_message: string | null;
  last_heartbeat_at: string | null;
  last_health_check_at: string | null;
  circuit_breaker: CircuitBreaker;
  created_at: string;
  updated_at: string;
};

export type AgentConfig = {
  id: string;
  name: string;
  capabilities: string[];
  endpoint: string;
  version: string;
  health_check_url: string;
  metadata: {
    [key: string]: string;
  };
};

export type ApiKey = {
  id: string;
  name: string;
  prefix: string;
  scopes: string[];
  created_at: string;
  revoked_at: string | null;
  last_used_at: string | null;
};

export type AppendEvent = {
  type: string;
  data: {
    [key: string]: unknown;
  };
  aggregate_type?: string;
  aggregate_id?: string;
  expected_version?: number;
  metadata?: {
    [key: string]: unknown;
  };
};

export type AppendEventInput = {
  type: string;
  data?: {
    [key: string]: unknown;
  };
  aggregate_type?: string;
  aggregate_id?: string;
  expected_version?: number;
  metadata?: {
    [key: string]: unknown;
  };
};

export type BranchStep = {
  id: string;
  when?: string;
  agent_id?: string;
  action?: string;
  input?: unknown;
  compensation_agent_id?: string;
  compensation_action?: string;
  timeout_seconds?: number;
  max_attempts?: number;
  retry?: RetryPolicy;
  sleep?: number | string;
  wait_for_event?: WaitForEvent;
  workflow?: string;
};

export type CircuitBreaker = {
  state: "closed" | "open" | "half_open";
  failure_count: number;
  opened_at: string | null;
};

export type CompensationDefinition = {
  agent_id: string;
  action?: string;
};

export type CompensationDefinitionInput = {
  agent_id: string;
  action?: string;
};

export type CreateApiKey = {
  name: string;
  scopes: ("admin" | "read" | "agents:write" | "tasks:write" | "workflows:write" | "profiles:write" | "events:write")[];
};

export type CreateProfile = {
  name: string;
  organization: string;
  ein?: string | null;
  mission: string;
  focus_areas: string[];
  states: string[];
  revenue_min?: number | null;
  revenue_max?: number | null;
};

export type CreateProfileInput = {
  name: string;
  organization: string;
  ein?: string | null;
  mission: string;
  focus_areas?: string[];
  states?: string[];
  revenue_min?: number | null;
  revenue_max?: number | null;
};

export type CreatedApiKey = {
  id: string;
  key: string;
  name: string;
  prefix: string;
  scopes: string[];
  created_at: string;
};

export type Error = {
  error: {
    code: string;
    message: string;
    details?: unknown;
  };
};

export type Event = {
  id: string;
  position: number;
  aggregate_type: string;
  aggregate_id: string;
  version: number;
  type: string;
  data: {
    [key: string]: unknown;
  };
  metadata: {
    [key: string]: unknown;
  };
  timestamp: string;
};

export type EventPage = {
  events: Event[];
  next_after: number;
};

export type ExecuteTask = {
  action: string;
  input?: unknown;
  priority?: number;
  delay_seconds?: number;
  max_attempts?: number;
  idempotency_key?: string;
};

export type ExecuteTaskBatch = {
  tasks: ExecuteTask[];
};

export type FeatureFlag = {
  name: string;
  state: "disabled" | "enabled" | "rollout";
  rollout_percentage: number;
  conditions: {
    [key: string]: unknown;
  }[];
  description: string;
  source: "file" | "api";
  version: number;
  updated_at: string;
};

export type FlagDecision = {
  enabled: boolean;
  reason: string;
};

export type HealthCheck = {
  name: string;
  status: HealthStatus;
  message: string;
  response_time_ms: number;
  timestamp: string;
  details: {
    [key: string]: unknown;
  } | null;
};

export type HealthStatus = "healthy" | "degraded" | "unhealthy";

export type IntelligenceReport = {
  tier: string;
  run_id: string;
  generated_at: string;
  top_matches: {
    ein: string;
    name: string;
    state: string | null;
    ntee_code: string | null;
    revenue_amount: number | null;
    score: number;
    rationale: string;
  }[];
  degraded: boolean;
  degraded_reason: string | null;
  model: string | null;
  network?: {
    clusters: {
      id: number;
      size: number;
      members: {
        ein: string;
        name: string | null;
      }[];
    }[];
    paths: {
      candidate_ein: string;
      name: string | null;
      length: number;
      eins: string[];
      hops: {
        from: string;
        to: string;
        people: string[];
      }[];
    }[];
    unreachable: number;
    profile_in_network: boolean;
  };
  filter: {
    matched: number;
    scanned: number;
  };
  warnings: string[];
};

export type IntelligenceRunAccepted = {
  run_id: string;
  status: "running" | "completed" | "compensating" | "compensated" | "failed" | "cancelled";
  profile_id: string;
  tier: string;
  workflow_id: string;
};

export type ParallelBranch = {
  id: string;
  when?: string;
  agent_id?: string;
  action?: string;
  input?: unknown;
  compensation_agent_id?: string;
  compensation_action?: string;
  timeout_seconds?: number;
  max_attempts?: number;
  retry?: RetryPolicy;
  sleep?: number | string;
  wait_for_event?: WaitForEvent;
  workflow?: string;
  steps?: BranchStep[];
};

export type PatchProfile = {
  name?: string;
  organization?: string;
  ein?: string | null;
  mission?: string;
  focus_areas?: string[];
  states?: string[];
  revenue_min?: number | null;
  revenue_max?: number | null;
};

export type Profile = {
  id: string;
  name: string;
  organization: string;
  ein: string | null;
  mission: string;
  focus_areas: string[];
  states: string[];
  revenue_min: number | null;
  revenue_max: number | null;
  version: number;
  created_at: string;
  updated_at: string;
};

export type ProfileReport = {
  profile_id: string;
  run_id: string;
  tier: string;
  report: unknown;
  created_at: string;
};

export type RegisterAgent = {
  id: string;
  name: string;
  capabilities: string[];
  endpoint: string;
  version: string;
  health_check_url: string | "";
  metadata: {
    [key: string]: string;
  };
};

export type RegisterAgentInput = {
  id: string;
  name: string;
  capabilities?: string[];
  endpoint: string;
  version: string;
  health_check_url?: string | "";
  metadata?: {
    [key: string]: string;
  };
};

export type RegisterService = {
  name: string;
  base_url: string;
  routes: string[];
  health_url?: string;
  timeout_ms?: number;
};

export type RegistryResponse = {
  agents: Agent[];
  total_count: number;
  healthy_count: number;
};

export type RetryPolicy = {
  max_attempts?: number;
  backoff_seconds?: number;
  max_backoff_seconds?: number;
};

export type Service = {
  name: string;
  base_url: string;
  routes: string[];
  health_url: string | null;
  timeout_ms: number | null;
  created_at: string;
  updated_at: string;
};

export type StartIntelligenceRun = {
  user_id?: string;
  idempotency_key?: string;
};

export type StartWorkflowRun = {
  input?: unknown;
  idempotency_key?: string;
  metadata?: {
    [key: string]: unknown;
  };
};

export type StepDefinition = {
  id: string;
  when?: string;
  agent_id?: string;
  action?: string;
  input?: unknown;
  compensation_agent_id?: string;
  compensation_action?: string;
  timeout_seconds?: number;
  max_attempts?: number;
  retry?: RetryPolicy;
  sleep?: number | string;
  wait_for_event?: WaitForEvent;
  workflow?: string;
  parallel?: ParallelBranch[];
};

export type SystemHealth = {
  overall_status: HealthStatus;
  components: HealthCheck[];
  uptime_seconds: number;
  version: string;
};

export type Task = {
  id: string;
  agent_id: string;
  action: string;
  input: unknown;
  status: "queued" | "running" | "succeeded" | "failed" | "cancelled";
  priority: number;
  attempts: number;
  max_attempts: number;
  result: unknown;
  last_error: string | null;
  idempotency_key: string | null;
  correlation_id: string | null;
  cancel_requested: boolean;
  workflow_run_id: string | null;
  workflow_step_id: string | null;
  run_at: string;
  created_at: string;
  updated_at: string;
  started_at: string | null;
  finished_at: string | null;
};

export type TaskAccepted = {
  task_id: string;
  status: "queued" | "running" | "succeeded" | "failed" | "cancelled";
};

export type TaskBatchAccepted = {
  tasks: {
    task_id: string;
    status: "queued" | "running" | "succeeded" | "failed" | "cancelled";
    created: boolean;
  }[];
};

export type WaitForEvent = {
  type: string;
  match?: {
    [key: string]: unknown;
  };
  timeout: number | string;
};

export type Workflow = {
  definition: WorkflowDefinition;
  source: "api" | "file";
  version: number;
  created_at: string;
  updated_at: string;
};

export type WorkflowDefinition = {
  id: string;
  name: string;
  steps: StepDefinition[];
  compensations?: {
    [key: string]: CompensationDefinition;
  };
  schedule?: string;
};

export type WorkflowDefinitionInput = {
  id: string;
  name: string;
  steps: StepDefinition[];
  compensations?: {
    [key: string]: CompensationDefinitionInput;
  };
  schedule?: string;
};

export type WorkflowDetail = {
  definition: WorkflowDefinition;
  source: "api" | "file";
  version: number;
  created_at: string;
  updated_at: string;
  versions: WorkflowVersionSummary[];
};

export type WorkflowEvent = {
  id: string;
  type: string;
  saga_id: string;
  timestamp: string;
  data: {
    [key: string]: unknown;
  };
};

export type WorkflowRun = {
  id: string;
  workflow_id: string;
  status: "running" | "completed" | "compensating" | "compensated" | "failed" | "cancelled";
  input: unknown;
  error: string | null;
  metadata: {
    [key: string]: unknown;
  };
  idempotency_key: string | null;
  workflow_version: number | null;
  parent_run_id: string | null;
  output: unknown;
  created_at: string;
  updated_at: string;
  finished_at: string | null;
  steps: WorkflowRunStep[];
  timeline: WorkflowEvent[];
};

export type WorkflowRunAccepted = {
  run_id: string;
  status: "running" | "completed" | "compensating" | "compensated" | "failed" | "cancelled";
};

export type WorkflowRunStep = {
  id: string;
  kind: "agent" | "sleep" | "wait" | "workflow" | "parallel" | "branch";
  parent_id: string | null;
  agent_id: string;
  status: "pending" | "running" | "waiting" | "succeeded" | "failed" | "skipped" | "cancelled" | "compensating" | "compensated" | "compensation_failed";
  attempts: number;
  output: unknown;
  error: string | null;
  task_id: string | null;
  compensation_task_id: string | null;
  child_run_id: string | null;
  waiting_for: string | null;
  deadline: string | null;
  started_at: string | null;
  finished_at: string | null;
};

export type WorkflowRunSummary = {
  id: string;
  workflow_id: string;
  status: "running" | "completed" | "compensating" | "compensated" | "failed" | "cancelled";
  input: unknown;
  error: string | null;
  metadata: {
    [key: string]: unknown;
  };
  idempotency_key: string | null;
  workflow_version: number | null;
  parent_run_id: string | null;
  output: unknown;
  created_at: string;
  updated_at: string;
  finished_at: string | null;
};

export type WorkflowVersion = {
  version: number;
  source: "api" | "file";
  created_at: string;
  workflow_id: string;
  definition: WorkflowDefinition;
};

export type WorkflowVersionSummary = {
  version: number;
  source: "api" | "file";
  created_at: string;
};

/** Every operation of the API by operationId: method, path, parameters, body and answers by status. */
export interface Operations {
  delete_api_agents_by_id: {
    method: "delete";
    path: "/api/agents/{id}";
    params: {
      id: string;
    };
    query: Record<string, never>;
    body: never;
    responses: {
      204: null;
      400: Error;
      401: Error;
      403: Error;
      404: Error;
      409: Error;
      429: Error;
      500: Error;
    };
  };
  delete_api_keys_by_id: {
    method: "delete";
    path: "/api/keys/{id}";
    params: {
      id: string;
    };
    query: Record<string, never>;
    body: never;
    responses: {
      204: null;
      400: Error;
      401: Error;
      403: Error;
      404: unknown;
      429: Error;
      500: Error;
    };
  };
  delete_api_services_by_name: {
    method: "delete";
    path: "/api/services/{name}";
    params: {
      name: string;
    };
    query: Record<string, never>;
    body: never;
    responses: {
      204: null;
      400: Error;
      401: Error;
      403: Error;
      404: unknown;
      429: Error;
      500: Error;
    };
  };
  get_api_agents: {
    method: "get";
    path: "/api/agents";
    params: Record<string, never>;
    query: {
      capability?: string;
      status?: "unknown" | "healthy" | "unhealthy";
    };
    body: never;
    responses: {
      200: RegistryResponse;
      400: Error;
      401: Error;
      403: Error;
      429: Error;
      500: Error;
    };
  };
  get_api_agents_by_id: {
    method: "get";
    path: "/api/agents/{id}";
    params: {
      id: string;
    };
    query: Record<string, never>;
    body: never;
    responses: {
      200: Agent;
      400: Error;
      401: Error;
      403: Error;
      404: Error;
      429: Error;
      500: Error;
    };
  };
  get_api_events: {
    method: "get";
    path: "/api/events";
    params: Record<string, never>;
    query: {
      after?: string;
      limit?: string;
      type?: string | string[];
    };
    body: never;
    responses: {
      200: EventPage;
      400: Error;
      401: Error;
      403: Error;
      429: Error;
      500: Error;
    };
  };
  get_api_flags: {
    method: "get";
    path: "/api/flags";
    params: Record<string, never>;
    query: Record<string, never>;
    body: never;
    responses: {
      200: {
        flags: FeatureFlag[];
      };
      401: Error;
      403: Error;
      429: Error;
      500: Error;
    };
  };
  get_api_flags_by_name: {
    method: "get";
    path: "/api/flags/{name}";
    params: {
      name: string;
    };
    query: Record<string, never>;
    body: never;
    responses: {
      200: FeatureFlag;
      400: Error;
      401: Error;
      403: Error;
      404: Error;
      429: Error;
      500: Error;
    };
  };
  get_api_flags_by_name_history: {
    method: "get";
    path: "/api/flags/{name}/history";
    params: {
      name: string;
    };
    query: Record<string, never>;
    body: never;
    responses: {
      200: {
        history: {
          version: number;
          timestamp: string;
          actor: string | null;
          before: unknown;
          after: unknown;
        }[];
      };
      400: Error;
      401: Error;
      403: Error;
      404: Error;
      429: Error;
      500: Error;
    };
  };
  get_api_keys: {
    method: "get";
    path: "/api/keys";
    params: Record<string, never>;
    query: Record<string, never>;
    body: never;
    responses: {
      200: {
        keys: ApiKey[];
      };
      401: Error;
      403: Error;
      429: Error;
      500: Error;
    };
  };
  get_api_profiles: {
    method: "get";
    path: "/api/profiles";
    params: Record<string, never>;
    query: {
      limit?: string;
      offset?: string;
    };
    body: never;
    responses: {
      200: {
        profiles: Profile[];
        total: number;
        limit: number;
        offset: number;
      };
      400: Error;
      401: Error;
      403: Error;
      429: Error;
      500: Error;
    };
  };
  get_api_profiles_by_id: {
    method: "get";
    path: "/api/profiles/{id}";
    params: {
      id: string;
    };
    query: {
      version?: string;
    };
    body: never;
    responses: {
      200: Profile;
      400: Error;
      401: Error;
      403: Error;
      404: Error;
      429: Error;
      500: Error;
    };
  };
  get_api_profiles_by_id_events: {
    method: "get";
    path: "/api/profiles/{id}/events";
    params: {
      id: string;
    };
    query: Record<string, never>;
    body: never;
    responses: {
      200: {
        events: Event[];
      };
      400: Error;
      401: Error;
      403: Error;
      404: Error;
      429: Error;
      500: Error;
    };
  };
  get_api_profiles_by_id_reports: {
    method: "get";
    path: "/api/profiles/{id}/reports";
    params: {
      id: string;
    };
    query: Record<string, never>;
    body: never;
    responses: {
      200: {
        reports: ProfileReport[];
      };
      400: Error;
      401: Error;
      403: Error;
      404: Error;
      429: Error;
      500: Error;
    };
  };
  get_api_profiles_by_id_reports_by_run_id: {
    method: "get";
    path: "/api/profiles/{id}/reports/{run_id}";
    params: {
      id: string;
      run_id: string;
    };
    query: Record<string, never>;
    body: never;
    responses: {
      200: ProfileReport;
      400: Error;
      401: Error;
      403: Error;
      404: Error;
      429: Error;
      500: Error;
    };
  };
  get_api_services: {
    method: "get";
    path: "/api/services";
    params: Record<string, never>;
    query: Record<string, never>;
    body: never;
    responses: {
      200: {
        services: Service[];
      };
      401: Error;
      403: Error;
      429: Error;
      500: Error;
    };
  };
  get_api_tasks: {
    method: "get";
    path: "/api/tasks";
    params: Record<string, never>;
    query: {
      status?: "queued" | "running" | "succeeded" | "failed" | "cancelled";
      agent_id?: string;
      workflow_run_id?: string;
      limit?: number;
      offset?: number;
    };
    body: never;
    responses: {
      200: {
        tasks: Task[];
        total: number;
        limit: number;
        offset: number;
      };
      400: Error;
      401: Error;
      403: Error;
      429: Error;
      500: Error;
    };
  };
  get_api_tasks_by_id: {
    method: "get";
    path: "/api/tasks/{id}";
    params: {
      id: string;
    };
    query: {
      wait?: number;
    };
    body: never;
    responses: {
      200: {
        id: string;
        agent_id: string;
        action: string;
        input: unknown;
        status: "queued" | "running" | "succeeded" | "failed" | "cancelled";
        priority: number;
        attempts: number;
        max_attempts: number;
        result: unknown;
        last_error: string | null;
        idempotency_key: string | null;
        correlation_id: string | null;
        cancel_requested: boolean;
        workflow_run_id: string | null;
        workflow_step_id: string | null;
        run_at: string;
        created_at: string;
        updated_at: string;
        started_at: string | null;
        finished_at: string | null;
        attempts_log: {
          [key: string]: unknown;
        }[];
      };
      400: Error;
      401: Error;
      403: Error;
      404: Error;
      429: Error;
      500: Error;
    };
  };
  get_api_workflow_runs: {
    method: "get";
    path: "/api/workflow-runs";
    params: Record<string, never>;
    query: {
      workflow_id?: string;
      status?: "running" | "completed" | "compensating" | "compensated" | "failed" | "cancelled";
      parent_run_id?: string;
      limit?: number;
      offset?: number;
    };
    body: never;
    responses: {
      200: {
        runs: WorkflowRunSummary[];
        total: number;
        limit: number;
        offset: number;
      };
      400: Error;
      401: Error;
      403: Error;
      429: Error;
      500: Error;
    };
  };
  get_api_workflow_runs_by_id: {
    method: "get";
    path: "/api/workflow-runs/{id}";
    params: {
      id: string;
    };
    query: Record<string, never>;
    body: never;
    responses: {
      200: WorkflowRun;
      400: Error;
      401: Error;
      403: Error;
      404: Error;
      429: Error;
      500: Error;
    };
  };
  get_api_workflows: {
    method: "get";
    path: "/api/workflows";
    params: Record<string, never>;
    query: Record<string, never>;
    body: never;
    responses: {
      200: {
        workflows: Workflow[];
        total: number;
      };
      401: Error;
      403: Error;
      429: Error;
      500: Error;
    };
  };
  get_api_workflows_by_id: {
    method: "get";
    path: "/api/workflows/{id}";
    params: {
      id: string;
    };
    query: Record<string, never>;
    body: never;
    responses: {
      200: WorkflowDetail;
      400: Error;
      401: Error;
      403: Error;
      404: Error;
      429: Error;
      500: Error;
    };
  };
  get_api_workflows_by_id_versions_by_version: {
    method: "get";
    path: "/api/workflows/{id}/versions/{version}";
    params: {
      id: string;
      version: number;
    };
    query: Record<string, never>;
    body: never;
    responses: {
      200: WorkflowVersion;
      400: Error;
      401: Error;
      403: Error;
      404: Error;
      429: Error;
      500: Error;
    };
  };
  get_dashboard: {
    method: "get";
    path: "/dashboard";
    params: Record<string, never>;
    query: Record<string, never>;
    body: never;
    responses: {
      200: unknown;
      500: Error;
    };
  };
  get_dashboard_app_css: {
    method: "get";
    path: "/dashboard/app.css";
    params: Record<string, never>;
    query: Record<string, never>;
    body: never;
    responses: {
      200: unknown;
      500: Error;
    };
  };
  get_dashboard_app_js: {
    method: "get";
    path: "/dashboard/app.js";
    params: Record<string, never>;
    query: Record<string, never>;
    body: never;
    responses: {
      200: unknown;
      500: Error;
    };
  };
  get_health: {
    method: "get";
    path: "/health";
    params: Record<string, never>;
    query: Record<string, never>;
    body: never;
    responses: {
      200: SystemHealth;
      500: Error;
      503: SystemHealth;
    };
  };
  get_health_live: {
    method: "get";
    path: "/health/live";
    params: Record<string, never>;
    query: Record<string, never>;
    body: never;
    responses: {
      200: {
        status: "alive";
      };
      500: Error;
    };
  };
  get_health_ready: {
    method: "get";
    path: "/health/ready";
    params: Record<string, never>;
    query: Record<string, never>;
    body: never;
    responses: {
      200: SystemHealth;
      500: Error;
      503: SystemHealth;
    };
  };
  get_metrics: {
    method: "get";
    path: "/metrics";
    params: Record<string, never>;
    query: Record<string, never>;
    body: never;
    responses: {
      200: unknown;
      500: Error;
    };
  };
  get_openapi_json: {
    method: "get";
    path: "/openapi.json";
    params: Record<string, never>;
    query: Record<string, never>;
    body: never;
    responses: {
      200: unknown;
      500: Error;
    };
  };
  patch_api_profiles_by_id: {
    method: "patch";
    path: "/api/profiles/{id}";
    params: {
      id: string;
    };
    query: Record<string, never>;
    body: PatchProfile;
    responses: {
      200: Profile;
      400: Error;
      401: Error;
      403: Error;
      404: Error;
      409: Error;
      415: Error;
      428: Error;
      429: Error;
      500: Error;
    };
  };
  post_api_agents: {
    method: "post";
    path: "/api/agents";
    params: Record<string, never>;
    query: Record<string, never>;
    body: RegisterAgentInput;
    responses: {
      200: Agent;
      201: Agent;
      400: Error;
      401: Error;
      403: Error;
      409: Error;
      415: Error;
      429: Error;
      500: Error;
    };
  };
  post_api_agents_by_id_execute: {
    method: "post";
    path: "/api/agents/{id}/execute";
    params: {
      id: string;
    };
    query: Record<string, never>;
    body: ExecuteTask;
    responses: {
      200: TaskAccepted;
      202: TaskAccepted;
      400: Error;
      401: Error;
      403: Error;
      404: Error;
      415: Error;
      429: Error;
      500: Error;
    };
  };
  post_api_agents_by_id_execute_batch: {
    method: "post";
    path: "/api/agents/{id}/execute-batch";
    params: {
      id: string;
    };
    query: Record<string, never>;
    body: ExecuteTaskBatch;
    responses: {
      202: TaskBatchAccepted;
      400: Error;
      401: Error;
      403: Error;
      404: Error;
      415: Error;
      429: Error;
      500: Error;
    };
  };
  post_api_agents_by_id_heartbeat: {
    method: "post";
    path: "/api/agents/{id}/heartbeat";
    params: {
      id: string;
    };
    query: Record<string, never>;
    body: never;
    responses: {
      200: Agent;
      400: Error;
      401: Error;
      403: Error;
      404: Error;
      429: Error;
      500: Error;
    };
  };
  post_api_events: {
    method: "post";
    path: "/api/events";
    params: Record<string, never>;
    query: Record<string, never>;
    body: AppendEventInput;
    responses: {
      201: Event;
      400: Error;
      401: Error;
      403: Error;
      409: Error;
      415: Error;
      429: Error;
      500: Error;
    };
  };
  post_api_flags_by_name_evaluate: {
    method: "post";
    path: "/api/flags/{name}/evaluate";
    params: {
      name: string;
    };
    query: Record<string, never>;
    body: {
      context?: {
        user_id?: string | number;
        [key: string]: unknown;
      };
    };
    responses: {
      200: FlagDecision;
      400: Error;
      401: Error;
      403: Error;
      415: Error;
      429: Error;
      500: Error;
    };
  };
  post_api_keys: {
    method: "post";
    path: "/api/keys";
    params: Record<string, never>;
    query: Record<string, never>;
    body: CreateApiKey;
    responses: {
      201: CreatedApiKey;
      400: Error;
      401: Error;
      403: Error;
      415: Error;
      429: Error;
      500: Error;
    };
  };
  post_api_profiles: {
    method: "post";
    path: "/api/profiles";
    params: Record<string, never>;
    query: Record<string, never>;
    body: CreateProfileInput;
    responses: {
      201: Profile;
      400: Error;
      401: Error;
      403: Error;
      415: Error;
      429: Error;
      500: Error;
    };
  };
  post_api_profiles_by_id_intelligence_by_tier: {
    method: "post";
    path: "/api/profiles/{id}/intelligence/{tier}";
    params: {
      id: string;
      tier: string;
    };
    query: Record<string, never>;
    body: StartIntelligenceRun;
    responses: {
      200: IntelligenceRunAccepted;
      202: IntelligenceRunAccepted;
      400: Error;
      401: Error;
      403: Error;
      404: Error;
      415: Error;
      429: Error;
      500: Error;
      503: Error;
    };
  };
  post_api_services: {
    method: "post";
    path: "/api/services";
    params: Record<string, never>;
    query: Record<string, never>;
    body: RegisterService;
    responses: {
      201: Service;
      400: Error;
      401: Error;
      403: Error;
      409: unknown;
      415: Error;
      429: Error;
      500: Error;
    };
  };
  post_api_tasks_by_id_cancel: {
    method: "post";
    path: "/api/tasks/{id}/cancel";
    params: {
      id: string;
    };
    query: Record<string, never>;
    body: never;
    responses: {
      200: Task;
      400: Error;
      401: Error;
      403: Error;
      404: Error;
      409: Error;
      429: Error;
      500: Error;
    };
  };
  post_api_tasks_by_id_retry: {
    method: "post";
    path: "/api/tasks/{id}/retry";
    params: {
      id: string;
    };
    query: Record<string, never>;
    body: never;
    responses: {
      200: Task;
      400: Error;
      401: Error;
      403: Error;
      404: Error;
      409: Error;
      429: Error;
      500: Error;
    };
  };
  post_api_workflow_runs_by_id_cancel: {
    method: "post";
    path: "/api/workflow-runs/{id}/cancel";
    params: {
      id: string;
    };
    query: Record<string, never>;
    body: never;
    responses: {
      202: WorkflowRun;
      400: Error;
      401: Error;
      403: Error;
      404: Error;
      409: Error;
      429: Error;
      500: Error;
    };
  };
  post_api_workflows: {
    method: "post";
    path: "/api/workflows";
    params: Record<string, never>;
    query: Record<string, never>;
    body: WorkflowDefinitionInput;
    responses: {
      200: Workflow;
      201: Workflow;
      400: Error;
      401: Error;
      403: Error;
      415: Error;
      429: Error;
      500: Error;
    };
  };
  post_api_workflows_by_id_runs: {
    method: "post";
    path: "/api/workflows/{id}/runs";
    params: {
      id: string;
    };
    query: Record<string, never>;
    body: StartWorkflowRun;
    responses: {
      200: WorkflowRunAccepted;
      202: WorkflowRunAccepted;
      400: Error;
      401: Error;
      403: Error;
      404: Error;
      415: Error;
      429: Error;
      500: Error;
    };
  };
  put_api_flags_by_name: {
    method: "put";
    path: "/api/flags/{name}";
    params: {
      name: string;
    };
    query: Record<string, never>;
    body: {
      [key: string]: unknown;
    };
    responses: {
      200: FeatureFlag;
      400: Error;
      401: Error;
      403: Error;
      415: Error;
      429: Error;
      500: Error;
    };
  };
}

export type OperationId = keyof Operations;

/** The same operations at run time: where each one is served. */
export const OPERATIONS = {
  delete_api_agents_by_id: { method: "delete", path: "/api/agents/{id}" },
  delete_api_keys_by_id: { method: "delete", path: "/api/keys/{id}" },
  delete_api_services_by_name: { method: "delete", path: "/api/services/{name}" },
  get_api_agents: { method: "get", path: "/api/agents" },
  get_api_agents_by_id: { method: "get", path: "/api/agents/{id}" },
  get_api_events: { method: "get", path: "/api/events" },
  get_api_flags: { method: "get", path: "/api/flags" },
  get_api_flags_by_name: { method: "get", path: "/api/flags/{name}" },
  get_api_flags_by_name_history: { method: "get", path: "/api/flags/{name}/history" },
  get_api_keys: { method: "get", path: "/api/keys" },
  get_api_profiles: { method: "get", path: "/api/profiles" },
  get_api_profiles_by_id: { method: "get", path: "/api/profiles/{id}" },
  get_api_profiles_by_id_events: { method: "get", path: "/api/profiles/{id}/events" },
  get_api_profiles_by_id_reports: { method: "get", path: "/api/profiles/{id}/reports" },
  get_api_profiles_by_id_reports_by_run_id: { method: "get", path: "/api/profiles/{id}/reports/{run_id}" },
  get_api_services: { method: "get", path: "/api/services" },
  get_api_tasks: { method: "get", path: "/api/tasks" },
  get_api_tasks_by_id: { method: "get", path: "/api/tasks/{id}" },
  get_api_workflow_runs: { method: "get", path: "/api/workflow-runs" },
  get_api_workflow_runs_by_id: { method: "get", path: "/api/workflow-runs/{id}" },
  get_api_workflows: { method: "get", path: "/api/workflows" },
  get_api_workflows_by_id: { method: "get", path: "/api/workflows/{id}" },
  get_api_workflows_by_id_versions_by_version: { method: "get", path: "/api/workflows/{id}/versions/{version}" },
  get_dashboard: { method: "get", path: "/dashboard" },
  get_dashboard_app_css: { method: "get", path: "/dashboard/app.css" },
  get_dashboard_app_js: { method: "get", path: "/dashboard/app.js" },
  get_health: { method: "get", path: "/health" },
  get_health_live: { method: "get", path: "/health/live" },
  get_health_ready: { method: "get", path: "/health/ready" },
  get_metrics: { method: "get", path: "/metrics" },
  get_openapi_json: { method: "get", path: "/openapi.json" },
  patch_api_profiles_by_id: { method: "patch", path: "/api/profiles/{id}" },
  post_api_agents: { method: "post", path: "/api/agents" },
  post_api_agents_by_id_execute: { method: "post", path: "/api/agents/{id}/execute" },
  post_api_agents_by_id_execute_batch: { method: "post", path: "/api/agents/{id}/execute-batch" },
  post_api_agents_by_id_heartbeat: { method: "post", path: "/api/agents/{id}/heartbeat" },
  post_api_events: { method: "post", path: "/api/events" },
  post_api_flags_by_name_evaluate: { method: "post", path: "/api/flags/{name}/evaluate" },
  post_api_keys: { method: "post", path: "/api/keys" },
  post_api_profiles: { method: "post", path: "/api/profiles" },
  post_api_profiles_by_id_intelligence_by_tier: { method: "post", path: "/api/profiles/{id}/intelligence/{tier}" },
  post_api_services: { method: "post", path: "/api/services" },
  post_api_tasks_by_id_cancel: { method: "post", path: "/api/tasks/{id}/cancel" },
  post_api_tasks_by_id_retry: { method: "post", path: "/api/tasks/{id}/retry" },
  post_api_workflow_runs_by_id_cancel: { method: "post", path: "/api/workflow-runs/{id}/cancel" },
  post_api_workflows: { method: "post", path: "/api/workflows" },
  post_api_workflows_by_id_runs: { method: "post", path: "/api/workflows/{id}/runs" },
  put_api_flags_by_name: { method: "put", path: "/api/flags/{name}" },
} as const satisfies { [K in OperationId]: { method: Operations[K]["method"]; path: Operations[K]["path"] } };
