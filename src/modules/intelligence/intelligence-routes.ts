// The REST route that runs a profile through an intelligence tier (the report lands on the profile).

import type { Response } from 'express';
import { z } from 'zod';
import { ErrorBodySchema } from '../../platform/http/http-errors';
import { defineRoute, type RouteSpec } from '../../platform/http/route';
import { RUN_STATUSES } from '../workflows/workflow-run';
import { INTELLIGENCE_TIERS } from './intelligence-tier';
import { startTierRun, type StartTierRunOptions } from './start-tier-run';

const TierParams = z.object({ id: z.uuid('id must be a profile id (uuid)'), tier: z.string().min(1).max(100) });
type TierParams = z.infer<typeof TierParams>;

export const StartTierRunBodySchema = z
  .object({
    /** Who the run is for; defaults to the calling API key's id. */
    user_id: z.string().trim().min(1).max(200).optional(),
    idempotency_key: z.string().min(1).max(200).optional(),
  })
  .strict()
  .meta({ id: 'StartIntelligenceRun' });
type StartTierRunBody = z.infer<typeof StartTierRunBodySchema>;

const TierRunAccepted = z
  .object({ run_id: z.string(), status: z.enum(RUN_STATUSES), profile_id: z.string(), tier: z.string(), workflow_id: z.string() })
  .meta({ id: 'IntelligenceRunAccepted' });

/** The gateway sets res.locals.auth for authenticated calls. */
function keyIdOf(res: Response): string | null {
  const auth = res.locals.auth as { keyId?: unknown } | undefined;
  return typeof auth?.keyId === 'string' ? auth.keyId : null;
}

export function intelligenceRoutes(opts: StartTierRunOptions): RouteSpec[] {
  return [
    defineRoute<StartTierRunBody, unknown, TierParams>({
      method: 'post',
      path: '/api/profiles/:id/intelligence/:tier',
      summary: `Run a profile through an intelligence tier (${INTELLIGENCE_TIERS.join(', ')}); the report is added to the profile when the run completes`,
      tags: ['profiles', 'intelligence'],
      scope: 'profiles:write',
      params: TierParams,
      body: StartTierRunBodySchema,
      responses: {
        200: { description: 'The run first started with this idempotency key', schema: TierRunAccepted },
        202: { description: 'Started; follow it at /api/workflow-runs/{run_id}, the report at /api/profiles/{id}/reports/{run_id}', schema: TierRunAccepted },
        400: { description: 'Invalid input', schema: ErrorBodySchema },
        404: { description: 'No such profile or tier', schema: ErrorBodySchema },
        503: { description: "The tier's workflow is not loaded (WORKFLOWS_DIR)", schema: ErrorBodySchema },
      },
      async handler({ res, params, body }) {
        const { run, created } = await startTierRun(opts, {
          profileId: params.id,
          tier: params.tier,
          userId: body.user_id ?? keyIdOf(res),
          idempotencyKey: body.idempotency_key,
        });
        return {
          status: created ? 202 : 200,
          body: { run_id: run.id, status: run.status, profile_id: params.id, tier: params.tier, workflow_id: run.workflow_id },
        };
      },
    }),
  ];
}
