// REST routes of workflows: define and read definitions, start runs, inspect, list and cancel runs.

import { z } from 'zod';
import { ErrorBodySchema } from '../../platform/http/http-errors';
import { idempotencyKeyOf } from '../../platform/http/idempotency-key';
import { defineRoute, type RouteSpec } from '../../platform/http/route';
import { NotFoundError } from '../../platform/errors';
import type { AgentRegistry } from '../agents/agent-registry';
import type { SagaOrchestrator } from './saga-orchestrator';
import { saveWorkflow } from './save-workflow';
import { WorkflowDefinitionSchema } from './workflow-definition';
import { RUN_STATUSES, RunSummarySchema, RunViewSchema, toRunStepViews, toRunSummary, type RunView } from './workflow-run';
import type { StoredWorkflow, WorkflowStore, WorkflowVersion } from './workflow-store';

export const StartRunSchema = z
  .object({
    input: z.unknown().optional(),
    idempotency_key: z.string().min(1).max(200).optional(),
    metadata: z.record(z.string(), z.unknown()).optional(),
  })
  .strict()
  .meta({ id: 'StartWorkflowRun' });

const WorkflowViewSchema = z
  .object({
    definition: WorkflowDefinitionSchema,
    source: z.enum(['api', 'file']),
    /** The latest version; runs start on it and keep the one they started with. */
    version: z.number().int(),
    created_at: z.string(),
    updated_at: z.string(),
  })
  .meta({ id: 'Workflow' });
const WorkflowVersionSummarySchema = z
  .object({ version: z.number().int(), source: z.enum(['api', 'file']), created_at: z.string() })
  .meta({ id: 'WorkflowVersionSummary' });
const WorkflowDetailSchema = WorkflowViewSchema.extend({ versions: z.array(WorkflowVersionSummarySchema) }).meta({ id: 'WorkflowDetail' });
const WorkflowVersionSchema = WorkflowVersionSummarySchema.extend({ workflow_id: z.string(), definition: WorkflowDefinitionSchema }).meta({ id: 'WorkflowVersion' });
const VersionParams = z.object({ id: z.string().min(1).max(100), version: z.coerce.number().int().min(1).max(1_000_000_000) });
const RunAccepted = z.object({ run_id: z.string(), status: z.enum(RUN_STATUSES) }).meta({ id: 'WorkflowRunAccepted' });
const WorkflowIdParams = z.object({ id: z.string().min(1).max(100) });
const RunIdParams = z.object({ id: z.uuid() });

const toVersionSummary = (v: WorkflowVersion) => ({ version: v.version, source: v.source, created_at: new Date(v.created_at).toISOString() });

const toWorkflowView = (w: StoredWorkflow) => ({
  definition: w.definition,
  source: w.source,
  version: w.version,
  created_at: new Date(w.created_at).toISOString(),
  updated_at: new Date(w.updated_at).toISOString(),
});

export interface WorkflowRoutesOptions {
  store: WorkflowStore;
  registry: AgentRegistry;
  orchestrator: SagaOrchestrator;
  /** Called after a definition is saved (schedulers refresh their schedules). */
  onSaved?(): void;
}

export function workflowRoutes(opts: WorkflowRoutesOptions): RouteSpec[] {
  const { store, registry, orchestrator } = opts;

  async function runView(id: string): Promise<RunView> {
    const run = await orchestrator.getRun(id);
    if (!run) throw new NotFoundError('workflow run', id);
    const [steps, timeline] = await Promise.all([orchestrator.steps(id), orchestrator.timeline(id)]);
    return { ...toRunSummary(run), steps: toRunStepViews(run, steps), timeline };
  }

  return [
    defineRoute({
      method: 'post',
      path: '/api/workflows',
      summary: 'Define a workflow, or add a version of it; every agent it names must be registered',
      tags: ['workflows'],
      scope: 'workflows:write',
      body: WorkflowDefinitionSchema,
      responses: {
        200: { description: 'A new version (or the latest one, when the definition is unchanged)', schema: WorkflowViewSchema },
        201: { description: 'Created', schema: WorkflowViewSchema },
        400: { description: 'Invalid definition or unknown agents', schema: ErrorBodySchema },
      },
      async handler({ body }) {
        const { workflow, created } = await saveWorkflow({ store, registry }, body, 'api');
        opts.onSaved?.();
        return { status: created ? 201 : 200, body: toWorkflowView(workflow) };
      },
    }),
    defineRoute({
      method: 'get',
      path: '/api/workflows',
      summary: 'List workflow definitions',
      tags: ['workflows'],
      scope: 'read',
      responses: { 200: { description: 'Definitions', schema: z.object({ workflows: z.array(WorkflowViewSchema), total: z.number().int() }) } },
      async handler() {
        const all = await store.list();
        return { status: 200, body: { workflows: all.map(toWorkflowView), total: all.length } };
      },
    }),
    defineRoute({
      method: 'get',
      path: '/api/workflows/:id',
      summary: 'Read a workflow: its latest definition and the list of its versions',
      tags: ['workflows'],
      scope: 'read',
      params: WorkflowIdParams,
      responses: { 200: { description: 'The definition', schema: WorkflowDetailSchema }, 404: { description: 'Unknown workflow', schema: ErrorBodySchema } },
      async handler({ params }) {
        const workflow = await store.get(params.id);
        const versions = await store.versions(params.id);
        return { status: 200, body: { ...toWorkflowView(workflow), versions: versions.map(toVersionSummary) } };
      },
    }),
    defineRoute({
      method: 'get',
      path: '/api/workflows/:id/versions/:version',
      summary: 'Read one version of a workflow definition',
      tags: ['workflows'],
      scope: 'read',
      params: VersionParams,
      responses: {
        200: { description: 'The version', schema: WorkflowVersionSchema },
        400: { description: 'Invalid version number', schema: ErrorBodySchema },
        404: { description: 'Unknown workflow or version', schema: ErrorBodySchema },
      },
      async handler({ params }) {
        const v = await store.getVersion(params.id, params.version);
        return { status: 200, body: { workflow_id: params.id, ...toVersionSummary(v), definition: v.definition } };
      },
    }),
    defineRoute({
      method: 'post',
      path: '/api/workflows/:id/runs',
      summary: 'Start a run; answered after the run and its first step task are committed',
      tags: ['workflows'],
      scope: 'workflows:write',
      params: WorkflowIdParams,
      body: StartRunSchema,
      responses: {
        200: { description: 'The run first started with this idempotency key', schema: RunAccepted },
        202: { description: 'Started', schema: RunAccepted },
        400: { description: 'Invalid input', schema: ErrorBodySchema },
        404: { description: 'Unknown workflow', schema: ErrorBodySchema },
      },
      async handler({ req, res, params, body }) {
        const key = idempotencyKeyOf(req, body.idempotency_key);
        const { run, created } = await orchestrator.startRun(params.id, body.input ?? null, {
          idempotencyKey: key,
          metadata: body.metadata,
          correlationId: (res.locals.correlationId as string | undefined) ?? null,
        });
        return { status: created ? 202 : 200, body: { run_id: run.id, status: run.status } };
      },
    }),
    defineRoute({
      method: 'get',
      path: '/api/workflow-runs',
      summary: 'List workflow runs, newest first',
      tags: ['workflows'],
      scope: 'read',
      query: z
        .object({
          workflow_id: z.string().min(1).max(100).optional(),
          status: z.enum(RUN_STATUSES).optional(),
          parent_run_id: z.uuid().optional(),
          limit: z.coerce.number().int().min(1).max(500).default(50),
          offset: z.coerce.number().int().min(0).max(1_000_000).default(0),
        })
        .strict(),
      responses: {
        200: { description: 'Runs', schema: z.object({ runs: z.array(RunSummarySchema), total: z.number().int(), limit: z.number().int(), offset: z.number().int() }) },
        400: { description: 'Invalid query', schema: ErrorBodySchema },
      },
      async handler({ query }) {
        const { runs, total } = await orchestrator.listRuns({ workflowId: query.workflow_id, status: query.status, parentRunId: query.parent_run_id, limit: query.limit, offset: query.offset });
        return { status: 200, body: { runs: runs.map(toRunSummary), total, limit: query.limit, offset: query.offset } };
      },
    }),
    defineRoute({
      method: 'get',
      path: '/api/workflow-runs/:id',
      summary: 'A run with its steps and its event timeline',
      tags: ['workflows'],
      scope: 'read',
      params: RunIdParams,
      responses: { 200: { description: 'The run', schema: RunViewSchema }, 404: { description: 'Unknown run', schema: ErrorBodySchema } },
      async handler({ params }) {
        return { status: 200, body: await runView(params.id) };
      },
    }),
    defineRoute({
      method: 'post',
      path: '/api/workflow-runs/:id/cancel',
      summary: 'Cancel a running run: stop its running steps and child runs, compensate the completed ones',
      tags: ['workflows'],
      scope: 'workflows:write',
      params: RunIdParams,
      responses: {
        202: { description: 'Cancelling; the run ends `cancelled` after its compensations', schema: RunViewSchema },
        404: { description: 'Unknown run', schema: ErrorBodySchema },
        409: { description: 'The run is not running', schema: ErrorBodySchema },
      },
      async handler({ params }) {
        await orchestrator.cancelRun(params.id);
        return { status: 202, body: await runView(params.id) };
      },
    }),
  ];
}
