// The /api/profiles routes: commands go to the event store, list and report reads to the read model.

import { z } from 'zod';
import { defineRoute, type RouteSpec } from '../../platform/http/route';
import { ErrorBodySchema } from '../../platform/http/http-errors';
import { StoredEventSchema, type EventMetadata } from '../events/event';
import type { Response } from 'express';
import { etagFor, expectedVersionFrom } from './if-match';
import {
  CreateProfileBodySchema,
  PatchProfileBodySchema,
  ProfileReportSchema,
  ProfileSchema,
  type CreateProfileBody,
  type PatchProfileBody,
} from './profile';
import { ProfileReportNotFoundError } from './profile-errors';
import type { ProfileReadModel } from './profile-read-model';
import type { Profiles } from './profiles';

const whole = (what: string) =>
  z
    .string()
    .regex(/^\d{1,9}$/, `${what} must be a non-negative whole number`)
    .transform(Number);

const IdParams = z.object({ id: z.uuid('id must be a profile id (uuid)') });
type IdParams = z.infer<typeof IdParams>;
const ReportParams = z.object({ id: z.uuid('id must be a profile id (uuid)'), run_id: z.string().min(1).max(200) });
type ReportParams = z.infer<typeof ReportParams>;
const VersionQuery = z.object({ version: whole('version').optional() });
type VersionQuery = z.infer<typeof VersionQuery>;
const PageQuery = z.object({
  limit: whole('limit')
    .refine((n) => n >= 1 && n <= 1000, 'limit must be between 1 and 1000')
    .optional(),
  offset: whole('offset').optional(),
});
type PageQuery = z.infer<typeof PageQuery>;

const errors = {
  400: { description: 'Invalid input', schema: ErrorBodySchema },
  404: { description: 'No such profile', schema: ErrorBodySchema },
};

function metadataOf(res: Response): EventMetadata {
  return { correlation_id: res.locals.correlationId ?? null };
}

function locationOf(id: string): string {
  return `/api/profiles/${id}`;
}

export function profileRoutes(profiles: Profiles, readModel: ProfileReadModel): RouteSpec[] {
  return [
    defineRoute<CreateProfileBody>({
      method: 'post',
      path: '/api/profiles',
      summary: 'Create a profile (appends ProfileCreated)',
      tags: ['profiles'],
      scope: 'profiles:write',
      body: CreateProfileBodySchema,
      responses: { 201: { description: 'Created; ETag is its version', schema: ProfileSchema }, 400: errors[400] },
      async handler({ res, body }) {
        const profile = await profiles.create(body, metadataOf(res));
        return { status: 201, body: profile, headers: { ETag: etagFor(profile.version), Location: locationOf(profile.id) } };
      },
    }),
    defineRoute<unknown, PageQuery>({
      method: 'get',
      path: '/api/profiles',
      summary: 'List profiles from the read model (may lag writes by a moment)',
      tags: ['profiles'],
      scope: 'read',
      query: PageQuery,
      responses: {
        200: {
          description: 'A page of profiles',
          schema: z.object({ profiles: z.array(ProfileSchema), total: z.number(), limit: z.number(), offset: z.number() }),
        },
        400: errors[400],
      },
      async handler({ query }) {
        const limit = query.limit ?? 50;
        const offset = query.offset ?? 0;
        const page = await readModel.list({ limit, offset });
        return { status: 200, body: { ...page, limit, offset } };
      },
    }),
    defineRoute<unknown, VersionQuery, IdParams>({
      method: 'get',
      path: '/api/profiles/:id',
      summary: 'A profile rebuilt from its events; ?version=N gives it as it was at version N',
      tags: ['profiles'],
      scope: 'read',
      params: IdParams,
      query: VersionQuery,
      responses: { 200: { description: 'The profile; ETag is its version', schema: ProfileSchema }, ...errors },
      async handler({ params, query }) {
        const profile = await profiles.get(params.id, { version: query.version });
        return { status: 200, body: profile, headers: { ETag: etagFor(profile.version) } };
      },
    }),
    defineRoute<PatchProfileBody, unknown, IdParams>({
      method: 'patch',
      path: '/api/profiles/:id',
      summary: 'Change some fields of a profile; If-Match must name the version edited',
      tags: ['profiles'],
      scope: 'profiles:write',
      params: IdParams,
      body: PatchProfileBodySchema,
      responses: {
        200: { description: 'Updated; ETag is the new version', schema: ProfileSchema },
        ...errors,
        409: { description: 'The profile changed since that version (details.current_version)', schema: ErrorBodySchema },
        428: { description: 'If-Match is missing', schema: ErrorBodySchema },
      },
      async handler({ req, res, params, body }) {
        const expected = expectedVersionFrom(req.get('if-match'));
        const profile = await profiles.update(params.id, expected, body, metadataOf(res));
        return { status: 200, body: profile, headers: { ETag: etagFor(profile.version) } };
      },
    }),
    defineRoute<unknown, unknown, IdParams>({
      method: 'get',
      path: '/api/profiles/:id/events',
      summary: "A profile's event stream, oldest first",
      tags: ['profiles'],
      scope: 'read',
      params: IdParams,
      responses: { 200: { description: 'The stream', schema: z.object({ events: z.array(StoredEventSchema) }) }, ...errors },
      async handler({ params }) {
        const events = await profiles.history(params.id);
        return { status: 200, body: { events }, headers: { ETag: etagFor(events[events.length - 1].version) } };
      },
    }),
    defineRoute<unknown, unknown, IdParams>({
      method: 'get',
      path: '/api/profiles/:id/reports',
      summary: "A profile's intelligence reports (read model)",
      tags: ['profiles'],
      scope: 'read',
      params: IdParams,
      responses: { 200: { description: 'Reports', schema: z.object({ reports: z.array(ProfileReportSchema) }) }, ...errors },
      async handler({ params }) {
        // The stream says whether the profile exists; the read model may not have caught up yet.
        await profiles.get(params.id);
        return { status: 200, body: { reports: await readModel.listReports(params.id) } };
      },
    }),
    defineRoute<unknown, unknown, ReportParams>({
      method: 'get',
      path: '/api/profiles/:id/reports/:run_id',
      summary: 'The intelligence report of one run for a profile',
      tags: ['profiles'],
      scope: 'read',
      params: ReportParams,
      responses: { 200: { description: 'The report', schema: ProfileReportSchema }, ...errors },
      async handler({ params }) {
        const report = await readModel.findReport(params.id, params.run_id);
        if (!report) {
          await profiles.get(params.id); // 404 for the profile itself when it does not exist
          throw new ProfileReportNotFoundError(params.id, params.run_id);
        }
        return { status: 200, body: report };
      },
    }),
  ];
}
