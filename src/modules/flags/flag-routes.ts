// The /api/flags routes: list, read, override (PUT), evaluate and the change history of a flag.
import { z } from 'zod';
import type { Response } from 'express';
import { defineRoute, type RouteSpec } from '../../platform/http/route';
import { ErrorBodySchema } from '../../platform/http/http-errors';
import type { FlagContext } from './evaluate-flag';
import type { FlagSnapshot } from './feature-flags';
import { describeFlagIssues, FeatureFlagSchema } from './flag';
import { FlagNotFoundError, InvalidFlagError } from './flag-errors';
import type { FlagStore } from './flag-store';

const NameParams = z.object({ name: z.string().min(1) });
type NameParams = z.infer<typeof NameParams>;

/** Any JSON object; FeatureFlagSchema validates it in the handler so problems read `name.field: ...`. */
const PutBody = z
  .record(z.string(), z.unknown(), { error: 'must be a JSON object' })
  .meta({ description: '{state, rollout_percentage?, conditions?, description?}; replaces the whole flag' });
type PutBody = z.infer<typeof PutBody>;

const EvaluateBody = z.object({
  context: z
    .looseObject({
      // A numeric id is hashed as its decimal text, so 42 and "42" land in the same bucket.
      user_id: z.union([z.string(), z.number()], { error: 'must be a string or a number' }).transform(String).optional(),
    })
    .default({}),
});
type EvaluateBody = z.infer<typeof EvaluateBody>;

const ConditionView = z.record(z.string(), z.unknown());
const FlagView = z
  .object({
    name: z.string(),
    state: z.enum(['disabled', 'enabled', 'rollout']),
    rollout_percentage: z.number(),
    conditions: z.array(ConditionView),
    description: z.string(),
    source: z.enum(['file', 'api']),
    version: z.number(),
    updated_at: z.string(),
  })
  .meta({ id: 'FeatureFlag' });
const DecisionView = z.object({ enabled: z.boolean(), reason: z.string() }).meta({ id: 'FlagDecision' });
const HistoryView = z.object({
  history: z.array(
    z.object({ version: z.number(), timestamp: z.string(), actor: z.string().nullable(), before: z.unknown(), after: z.unknown() }),
  ),
});

const errors = {
  400: { description: 'Invalid input', schema: ErrorBodySchema },
  404: { description: 'No such flag', schema: ErrorBodySchema },
};

/** The gateway sets res.locals.auth for authenticated calls; the key id is the change's actor. */
function actorOf(res: Response): string | null {
  const auth = res.locals.auth as { keyId?: unknown } | undefined;
  return typeof auth?.keyId === 'string' ? auth.keyId : null;
}

export function flagRoutes(store: FlagStore, snapshot: FlagSnapshot): RouteSpec[] {
  return [
    defineRoute({
      method: 'get',
      path: '/api/flags',
      summary: 'List the stored feature flags',
      tags: ['flags'],
      scope: 'read',
      responses: { 200: { description: 'Every flag', schema: z.object({ flags: z.array(FlagView) }) } },
      async handler() {
        return { status: 200, body: { flags: await store.list() } };
      },
    }),
    defineRoute<unknown, unknown, NameParams>({
      method: 'get',
      path: '/api/flags/:name',
      summary: 'Read one feature flag',
      tags: ['flags'],
      scope: 'read',
      params: NameParams,
      responses: { 200: { description: 'The flag', schema: FlagView }, 404: errors[404] },
      async handler({ params }) {
        const flag = await store.get(params.name);
        if (!flag) throw new FlagNotFoundError(params.name);
        return { status: 200, body: flag };
      },
    }),
    defineRoute<PutBody, unknown, NameParams>({
      method: 'put',
      path: '/api/flags/:name',
      summary: 'Create or replace a flag as an API override (kept over the flags file); records FlagChanged',
      tags: ['flags'],
      scope: 'admin',
      params: NameParams,
      body: PutBody,
      responses: { 200: { description: 'The stored flag', schema: FlagView }, 400: errors[400] },
      async handler({ res, params, body }) {
        if ('name' in body && body.name !== params.name) {
          throw new InvalidFlagError(params.name, [`${params.name}.name: must match the path (or be left out)`]);
        }
        const parsed = FeatureFlagSchema.safeParse({ ...body, name: params.name });
        if (!parsed.success) throw new InvalidFlagError(params.name, describeFlagIssues(parsed.error.issues, params.name));
        const { flag } = await store.put(parsed.data, actorOf(res));
        // This process answers with its own write at once; other processes get it from the notification or the next poll.
        snapshot.apply(flag);
        return { status: 200, body: flag };
      },
    }),
    defineRoute<EvaluateBody, unknown, NameParams>({
      method: 'post',
      path: '/api/flags/:name/evaluate',
      summary: "Evaluate a flag for a context ({context: {user_id?, ...}}) from this process's snapshot",
      tags: ['flags'],
      scope: 'read',
      params: NameParams,
      body: EvaluateBody,
      responses: { 200: { description: 'The decision; unknown flags are off with reason unknown_flag', schema: DecisionView }, 400: errors[400] },
      handler({ params, body }) {
        return { status: 200, body: snapshot.evaluate(params.name, body.context as FlagContext) };
      },
    }),
    defineRoute<unknown, unknown, NameParams>({
      method: 'get',
      path: '/api/flags/:name/history',
      summary: 'The changes made to a flag through the API, oldest first',
      tags: ['flags'],
      scope: 'read',
      params: NameParams,
      responses: { 200: { description: 'The history', schema: HistoryView }, 404: errors[404] },
      async handler({ params }) {
        const history = await store.history(params.name);
        if (!history) throw new FlagNotFoundError(params.name);
        return { status: 200, body: { history } };
      },
    }),
  ];
}
