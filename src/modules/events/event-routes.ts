// GET /api/events: the global event stream after a position, for clients that follow it by polling.

import { z } from 'zod';
import { defineRoute, type RouteSpec } from '../../platform/http/route';
import { StoredEventSchema } from './event';
import type { EventStore } from './event-store';

const whole = (what: string) =>
  z
    .string()
    .regex(/^\d{1,15}$/, `${what} must be a non-negative whole number`)
    .transform(Number);

const typeList = z
  .union([z.string(), z.array(z.string())])
  .transform((v) => (Array.isArray(v) ? v : [v]).flatMap((s) => s.split(',')).map((s) => s.trim()).filter((s) => s.length > 0));

export const EventsQuerySchema = z
  .object({
    after: whole('after').optional(),
    limit: whole('limit')
      .refine((n) => n >= 1 && n <= 1000, 'limit must be between 1 and 1000')
      .optional(),
    type: typeList.optional(),
  });
type EventsQuery = z.infer<typeof EventsQuerySchema>;

export const EventPageSchema = z
  .object({ events: z.array(StoredEventSchema), next_after: z.number().int() })
  .meta({ id: 'EventPage' });

export function eventRoutes(events: EventStore): RouteSpec[] {
  return [
    defineRoute<unknown, EventsQuery>({
      method: 'get',
      path: '/api/events',
      summary: 'Events of every aggregate after a global position, oldest first',
      tags: ['events'],
      scope: 'read',
      query: EventsQuerySchema,
      responses: { 200: { description: 'A page of events; pass next_after as after for the next', schema: EventPageSchema } },
      async handler({ query }) {
        const after = query.after ?? 0;
        const page = await events.readAll({ after, limit: query.limit ?? 100, types: query.type });
        const nextAfter = page.length > 0 ? page[page.length - 1].position : after;
        return { status: 200, body: { events: page, next_after: nextAfter } };
      },
    }),
  ];
}
