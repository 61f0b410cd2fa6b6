// The seed's StepDefinition and WorkflowDefinition contracts: one runtime schema each gives the
// TypeScript type, request validation and the OpenAPI component.

import cron from 'node-cron';
import { z } from 'zod';

const Id = z.string().min(1).max(100).regex(/^[A-Za-z0-9_.:-]+$/, 'letters, digits, _ . : - only');

export const StepDefinitionSchema = z
  .object({
    id: Id,
    agent_id: z.string().min(1).max(100),
    action: z.string().min(1).max(200),
    /** Any JSON value; strings may hold {{input.x}} and {{steps.<id>.output.y}} placeholders. */
    input: z.unknown().optional(),
    compensation_agent_id: z.string().min(1).max(100).optional(),
    compensation_action: z.string().min(1).max(200).optional(),
    timeout_seconds: z.number().int().min(1).max(86_400),
    max_attempts: z.number().int().min(1).max(100).optional(),
  })
  .strict()
  .meta({ id: 'StepDefinition' });
export type StepDefinition = z.infer<typeof StepDefinitionSchema>;

/** The seed's `compensations` map entry: the undo of the step with the same id. */
export const CompensationDefinitionSchema = z
  .object({
    agent_id: z.string().min(1).max(100),
    action: z.string().min(1).max(200).optional(),
  })
  .meta({ id: 'CompensationDefinition' });

export const WorkflowDefinitionSchema = z
  .object({
    id: Id,
    name: z.string().min(1).max(200),
    steps: z.array(StepDefinitionSchema).min(1).max(50),
    compensations: z.record(z.string(), CompensationDefinitionSchema).optional(),
    schedule: z
      .string()
      .min(1)
      .max(100)
      .refine((s) => cron.validate(s), 'not a valid cron expression')
      .optional(),
  })
  .strict()
  .superRefine((def, ctx) => {
    const seen = new Set<string>();
    def.steps.forEach((s, i) => {
      if (seen.has(s.id)) ctx.addIssue({ code: 'custom', path: ['steps', i, 'id'], message: `duplicate step id "${s.id}"` });
      seen.add(s.id);
    });
    for (const key of Object.keys(def.compensations ?? {})) {
      if (!seen.has(key)) ctx.addIssue({ code: 'custom', path: ['compensations', key], message: `names no step of this workflow` });
    }
  })
  .meta({ id: 'WorkflowDefinition' });
export type WorkflowDefinition = z.infer<typeof WorkflowDefinitionSchema>;

/** The compensation a step runs when a later step fails, or undefined when it has none. */
export function compensationOf(step: StepDefinition): { agentId: string; action: string } | undefined {
  if (!step.compensation_agent_id && !step.compensation_action) return undefined;
  return { agentId: step.compensation_agent_id ?? step.agent_id, action: step.compensation_action ?? 'compensate' };
}

/** Folds the seed's `compensations` map into the steps, so the orchestrator reads one shape. */
export function normalizeDefinition(def: WorkflowDefinition): WorkflowDefinition {
  const { compensations, ...rest } = def;
  if (!compensations) return rest;
  return {
    ...rest,
    steps: def.steps.map((s) => {
      const c = compensations[s.id];
      return c ? { ...s, compensation_agent_id: c.agent_id, compensation_action: c.action ?? s.compensation_action ?? 'compensate' } : s;
    }),
  };
}

/** Every agent a definition names (steps and compensations), for the "unknown agent" check. */
export function agentsNamedBy(def: WorkflowDefinition): string[] {
  const ids = new Set<string>();
  for (const s of def.steps) {
    ids.add(s.agent_id);
    if (s.compensation_agent_id) ids.add(s.compensation_agent_id);
  }
  for (const c of Object.values(def.compensations ?? {})) ids.add(c.agent_id);
  return [...ids];
}
