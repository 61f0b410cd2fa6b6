// The typed Catalynx client: every API operation by name (`client.tasks.execute`, `client.runs.wait`,
// …), each typed from the generated OpenAPI types, plus `call(operationId, …)` for any operation.

import { createTransport, type Transport, type TransportOptions, type TransportRequest } from './http-transport';
import { OPERATIONS, type OperationId, type Operations } from './openapi-types';
import type * as Api from './openapi-types';

export type CatalynxClientOptions = TransportOptions;

type SuccessStatus = 200 | 201 | 202 | 204;
/** The body of an operation's success answers (2xx). */
export type SuccessBody<Op extends OperationId> = {
  [S in keyof Operations[Op]['responses']]: S extends SuccessStatus ? Operations[Op]['responses'][S] : never;
}[keyof Operations[Op]['responses']];

export interface CallInput<Op extends OperationId> {
  params?: Operations[Op]['params'];
  query?: Operations[Op]['query'];
  body?: Operations[Op]['body'];
  headers?: Record<string, string>;
  timeoutMs?: number;
  signal?: AbortSignal;
}

export interface CallAnswer<Op extends OperationId> {
  status: number;
  body: SuccessBody<Op>;
  headers: Headers;
}

export type Task = SuccessBody<'get_api_tasks_by_id'>;
export type TaskStatus = Task['status'];
export type WorkflowRun = Api.WorkflowRun;
export type RunStatus = WorkflowRun['status'];
export type WorkflowEvent = Api.WorkflowEvent;

/** A task in one of these statuses changes no more. */
export const FINISHED_TASK_STATUSES: readonly TaskStatus[] = ['succeeded', 'failed', 'cancelled'];
/** A run in one of these statuses changes no more. */
export const FINAL_RUN_STATUSES: readonly RunStatus[] = ['completed', 'compensated', 'failed', 'cancelled'];

/** The API holds a `?wait=` request at most 60 s; the client asks for less and loops. */
const LONG_POLL_SECONDS = 30;
const DEFAULT_POLL_INTERVAL_MS = 500;

export interface WaitOptions {
  /** Give up after this long and return what was last seen (default 5 minutes). */
  timeoutMs?: number;
  /** Between two reads of a run (tasks are long-polled instead). */
  pollIntervalMs?: number;
  signal?: AbortSignal;
}

function pathOf(op: OperationId, params: Record<string, unknown> | undefined): string {
  return OPERATIONS[op].path.replace(/\{([^}]+)\}/g, (_, name: string) => {
    const value = params?.[name];
    if (value === undefined || value === '') throw new TypeError(`${op}: the path parameter "${name}" is missing`);
    return encodeURIComponent(String(value));
  });
}

const delay = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => (clearTimeout(timer), reject(signal.reason)), { once: true });
  });

/** `"3"` → 3: the version an ETag names. */
function versionFromEtag(etag: string | null): number | undefined {
  const m = etag === null ? null : /^(?:W\/)?"?(\d+)"?$/.exec(etag.trim());
  return m ? Number(m[1]) : undefined;
}

export function createCatalynxClient(opts: CatalynxClientOptions) {
  const transport: Transport = createTransport(opts);

  /** Calls any operation by its operationId, typed from the OpenAPI document. */
  async function call<Op extends OperationId>(op: Op, input: CallInput<Op> = {}, extra: Partial<TransportRequest> = {}): Promise<CallAnswer<Op>> {
    const { method } = OPERATIONS[op];
    const body = input.body === undefined && method === 'post' ? {} : input.body;
    return transport.request<SuccessBody<Op>>({
      method,
      path: pathOf(op, input.params as Record<string, unknown> | undefined),
      query: input.query as TransportRequest['query'],
      body,
      headers: input.headers,
      timeoutMs: input.timeoutMs,
      signal: input.signal,
      ...extra,
    });
  }
  const bodyOf = async <Op extends OperationId>(op: Op, input?: CallInput<Op>): Promise<SuccessBody<Op>> => (await call(op, input)).body;

  const tasks = {
    /** Queues a task; the same `idempotency_key` answers with the first task (status 200). */
    execute: (agentId: string, task: Api.ExecuteTask) => bodyOf('post_api_agents_by_id_execute', { params: { id: agentId }, body: task }),
    /** Queues up to 1,000 tasks in one transaction (all or none), answered in request order. */
    executeBatch: (agentId: string, batch: Api.ExecuteTask[]) =>
      bodyOf('post_api_agents_by_id_execute_batch', { params: { id: agentId }, body: { tasks: batch } }),
    list: (query: Operations['get_api_tasks']['query'] = {}) => bodyOf('get_api_tasks', { query }),
    get: (id: string) => bodyOf('get_api_tasks_by_id', { params: { id } }),
    cancel: (id: string) => bodyOf('post_api_tasks_by_id_cancel', { params: { id } }),
    retry: (id: string) => bodyOf('post_api_tasks_by_id_retry', { params: { id } }),
    /**
     * Long-polls the task (`?wait=`) until it finishes; resolves with it then, or as last seen once
     * `timeoutMs` passes (its status says which).
     */
    async waitFor(id: string, wait: WaitOptions = {}): Promise<Task> {
      const deadline = Date.now() + (wait.timeoutMs ?? 300_000);
      for (;;) {
        const seconds = Math.min(LONG_POLL_SECONDS, Math.max(0, Math.ceil((deadline - Date.now()) / 1000)));
        const task = await bodyOf('get_api_tasks_by_id', {
          params: { id },
          query: seconds > 0 ? { wait: seconds } : {},
          timeoutMs: (seconds + 15) * 1000,
          signal: wait.signal,
        });
        if (FINISHED_TASK_STATUSES.includes(task.status) || Date.now() >= deadline) return task;
      }
    },
  };

  const runs = {
    list: (query: Operations['get_api_workflow_runs']['query'] = {}) => bodyOf('get_api_workflow_runs', { query }),
    get: (id: string) => bodyOf('get_api_workflow_runs_by_id', { params: { id } }),
    /** Stops a run and compensates its completed steps. */
    cancel: (id: string) => bodyOf('post_api_workflow_runs_by_id_cancel', { params: { id } }),
    /** Each new reading of the run, every `pollIntervalMs`, until it is final or `timeoutMs` passes. */
    watch: (id: string, wait: WaitOptions = {}) => watch(id, wait),
    /** Reads the run until it reaches a final status; resolves with it, or as last seen at `timeoutMs`. */
    async wait(id: string, wait: WaitOptions = {}): Promise<WorkflowRun> {
      let last: WorkflowRun | undefined;
      for await (const run of watch(id, wait)) last = run;
      return last!;
    },
    /** The run's timeline events as they happen, oldest first, ending when the run ends. */
    async *timeline(id: string, wait: WaitOptions = {}): AsyncGenerator<WorkflowEvent> {
      const seen = new Set<string>();
      for await (const run of watch(id, wait)) {
        for (const event of run.timeline) {
          if (seen.has(event.id)) continue;
          seen.add(event.id);
          yield event;
        }
      }
    },
  };

  /** Each new reading of a run until it is final or the wait's time is up. */
  async function* watch(id: string, wait: WaitOptions): AsyncGenerator<WorkflowRun> {
    const deadline = Date.now() + (wait.timeoutMs ?? 300_000);
    for (;;) {
      const run = await bodyOf('get_api_workflow_runs_by_id', { params: { id }, signal: wait.signal });
      yield run;
      if (FINAL_RUN_STATUSES.includes(run.status) || Date.now() >= deadline) return;
      await delay(wait.pollIntervalMs ?? DEFAULT_POLL_INTERVAL_MS, wait.signal);
    }
  }

  const profiles = {
    create: (profile: Api.CreateProfileInput) => bodyOf('post_api_profiles', { body: profile }),
    list: (query: Operations['get_api_profiles']['query'] = {}) => bodyOf('get_api_profiles', { query }),
    get: (id: string, query: Operations['get_api_profiles_by_id']['query'] = {}) => bodyOf('get_api_profiles_by_id', { params: { id }, query }),
    /**
     * Updates a profile with `If-Match` set to the version edited: `version` when given (a stale one
     * answers 409 `conflict`), otherwise the current version read just before.
     */
    async update(id: string, patch: Api.PatchProfile, edit: { version?: number } = {}) {
      let version = edit.version;
      if (version === undefined) {
        const current = await call('get_api_profiles_by_id', { params: { id } });
        version = versionFromEtag(current.headers.get('etag')) ?? current.body.version;
      }
      return bodyOf('patch_api_profiles_by_id', { params: { id }, body: patch, headers: { 'if-match': `"${version}"` } });
    },
    events: (id: string) => bodyOf('get_api_profiles_by_id_events', { params: { id } }),
    reports: (id: string) => bodyOf('get_api_profiles_by_id_reports', { params: { id } }),
    report: (id: string, runId: string) => bodyOf('get_api_profiles_by_id_reports_by_run_id', { params: { id, run_id: runId } }),
    runIntelligence: (id: string, tier: string, body: Api.StartIntelligenceRun = {}) =>
      bodyOf('post_api_profiles_by_id_intelligence_by_tier', { params: { id, tier }, body }),
  };

  return {
    baseUrl: transport.baseUrl,
    call,
    health: {
      /** SystemHealth, also when it is unhealthy (503). */
      get: async () => (await call('get_health', {}, { acceptStatuses: [503] })).body,
      live: () => bodyOf('get_health_live'),
      ready: async () => (await call('get_health_ready', {}, { acceptStatuses: [503] })).body,
    },
    agents: {
      /** Registers a remote agent, or updates it by id; `created` tells which. */
      async register(agent: Api.RegisterAgentInput) {
        const answer = await call('post_api_agents', { body: agent });
        return { agent: answer.body, created: answer.status === 201 };
      },
      list: (query: Operations['get_api_agents']['query'] = {}) => bodyOf('get_api_agents', { query }),
      get: (id: string) => bodyOf('get_api_agents_by_id', { params: { id } }),
      remove: async (id: string): Promise<void> => void (await call('delete_api_agents_by_id', { params: { id } })),
      heartbeat: (id: string) => bodyOf('post_api_agents_by_id_heartbeat', { params: { id } }),
    },
    tasks,
    workflows: {
      /** Defines a workflow, or adds a version of it when the definition changed. */
      define: (definition: Api.WorkflowDefinitionInput) => bodyOf('post_api_workflows', { body: definition }),
      list: () => bodyOf('get_api_workflows'),
      /** The latest definition and the list of versions. */
      get: (id: string) => bodyOf('get_api_workflows_by_id', { params: { id } }),
      version: (id: string, version: number) => bodyOf('get_api_workflows_by_id_versions_by_version', { params: { id, version } }),
      /** Starts a saga run: `{run_id, status}`. */
      start: (id: string, run: Api.StartWorkflowRun = {}) => bodyOf('post_api_workflows_by_id_runs', { params: { id }, body: run }),
    },
    runs,
    events: {
      list: (query: Operations['get_api_events']['query'] = {}) => bodyOf('get_api_events', { query }),
      /** Appends an event; workflow runs waiting for it resume. */
      append: (event: Api.AppendEvent) => bodyOf('post_api_events', { body: event }),
    },
    profiles,
    flags: {
      list: () => bodyOf('get_api_flags'),
      get: (name: string) => bodyOf('get_api_flags_by_name', { params: { name } }),
      set: (name: string, flag: Operations['put_api_flags_by_name']['body']) => bodyOf('put_api_flags_by_name', { params: { name }, body: flag }),
      evaluate: (name: string, context: Operations['post_api_flags_by_name_evaluate']['body']['context']) =>
        bodyOf('post_api_flags_by_name_evaluate', { params: { name }, body: { context } }),
      history: (name: string) => bodyOf('get_api_flags_by_name_history', { params: { name } }),
    },
    keys: {
      /** The answer holds the key itself, shown this once. */
      create: (key: Api.CreateApiKey) => bodyOf('post_api_keys', { body: key }),
      list: () => bodyOf('get_api_keys'),
      revoke: async (id: string): Promise<void> => void (await call('delete_api_keys_by_id', { params: { id } })),
    },
    services: {
      register: (service: Api.RegisterService) => bodyOf('post_api_services', { body: service }),
      list: () => bodyOf('get_api_services'),
      remove: async (name: string): Promise<void> => void (await call('delete_api_services_by_name', { params: { name } })),
    },
    meta: {
      /** The OpenAPI 3.1 document the client's types are generated from. */
      openapi: () => bodyOf('get_openapi_json'),
      /** Prometheus text. */
      metrics: async () => (await call('get_metrics', {}, { responseType: 'text' })).body as string,
    },
  };
}

export type CatalynxClient = ReturnType<typeof createCatalynxClient>;
