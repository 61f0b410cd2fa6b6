// The Profile: an organisation looking for grants. Its request schemas (create, patch) and its API shape.

import { z } from 'zod';

export const PROFILE_AGGREGATE = 'profile';

const text = (max: number) => z.string().trim().min(1).max(max);

/** Fields a client sets; the rules that hold for one field alone. */
const fieldSchemas = {
  name: text(200),
  organization: text(200),
  ein: z.string().regex(/^\d{9}$/, 'ein must be 9 digits'),
  mission: text(5000),
  /** NTEE code prefixes: a major group letter, optionally followed by digits ("B", "E20"). */
  focus_areas: z.array(z.string().regex(/^[A-Z](\d{1,2}[A-Z0-9]?)?$/, 'focus area must be an NTEE code prefix like "B" or "E20"')).max(50),
  states: z.array(z.string().regex(/^[A-Z]{2}$/, 'state must be a 2-letter code like "VA"')).max(60),
  revenue_min: z.number().int().nonnegative(),
  revenue_max: z.number().int().nonnegative(),
};

const revenueOrdered = (p: { revenue_min?: number | null; revenue_max?: number | null }) =>
  p.revenue_min === undefined || p.revenue_min === null || p.revenue_max === undefined || p.revenue_max === null || p.revenue_min <= p.revenue_max;
const revenueMessage = { message: 'revenue_min must not exceed revenue_max', path: ['revenue_min'] };

export const CreateProfileBodySchema = z
  .object({
    name: fieldSchemas.name,
    organization: fieldSchemas.organization,
    ein: fieldSchemas.ein.nullable().optional(),
    mission: fieldSchemas.mission,
    focus_areas: fieldSchemas.focus_areas.default([]),
    states: fieldSchemas.states.default([]),
    revenue_min: fieldSchemas.revenue_min.nullable().optional(),
    revenue_max: fieldSchemas.revenue_max.nullable().optional(),
  })
  .strict()
  .refine(revenueOrdered, revenueMessage)
  .meta({ id: 'CreateProfile' });
export type CreateProfileBody = z.infer<typeof CreateProfileBodySchema>;

/** Any subset of the fields, at least one; null clears an optional field. */
export const PatchProfileBodySchema = z
  .object({
    name: fieldSchemas.name.optional(),
    organization: fieldSchemas.organization.optional(),
    ein: fieldSchemas.ein.nullable().optional(),
    mission: fieldSchemas.mission.optional(),
    focus_areas: fieldSchemas.focus_areas.optional(),
    states: fieldSchemas.states.optional(),
    revenue_min: fieldSchemas.revenue_min.nullable().optional(),
    revenue_max: fieldSchemas.revenue_max.nullable().optional(),
  })
  .strict()
  .refine((p) => Object.keys(p).length > 0, { message: 'give at least one field to change' })
  .refine(revenueOrdered, revenueMessage)
  .meta({ id: 'PatchProfile' });
export type PatchProfileBody = z.infer<typeof PatchProfileBodySchema>;

export const ProfileSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    organization: z.string(),
    ein: z.string().nullable(),
    mission: z.string(),
    focus_areas: z.array(z.string()),
    states: z.array(z.string()),
    revenue_min: z.number().nullable(),
    revenue_max: z.number().nullable(),
    version: z.number().int(),
    created_at: z.string(),
    updated_at: z.string(),
  })
  .meta({ id: 'Profile' });
export type Profile = z.infer<typeof ProfileSchema>;

/** The fields an update may change (everything but identity, version and times). */
export type ProfileFields = Pick<
  Profile,
  'name' | 'organization' | 'ein' | 'mission' | 'focus_areas' | 'states' | 'revenue_min' | 'revenue_max'
>;
export const PROFILE_FIELDS = ['name', 'organization', 'ein', 'mission', 'focus_areas', 'states', 'revenue_min', 'revenue_max'] as const;

export const ProfileReportSchema = z
  .object({
    profile_id: z.string(),
    run_id: z.string(),
    tier: z.string(),
    report: z.unknown(),
    created_at: z.string(),
  })
  .meta({ id: 'ProfileReport' });
export type ProfileReport = z.infer<typeof ProfileReportSchema>;
