// GET /api/events: the global event stream after a position, for clients that follow it by polling.
// POST /api/events: appends an event from outside (a webhook, another service), which workflow runs
// waiting for it (`wait_for_event`) resume on.

import { z } from 'zod';
import { newRowId } from '../../platform/ids';
import { ErrorBodySchema } from '../../platform/http/http-errors';
import { defineRoute, type RouteSpec } from '../../platform/http/route';
import { ConcurrencyConflictError } from './concurrency-error';
import { StoredEventSchema, type StoredEvent } from './event';
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

const Name = z.string().min(1).max(200).regex(/^[A-Za-z0-9_.:-]+$/, 'letters, digits, _ . : - only');

export const AppendEventSchema = z
  .object({
    type: Name,
    data: z.record(z.string(), z.unknown()).default({}),
    /** The stream it belongs to; `external` and a fresh id when left out. */
    aggregate_type: Name.optional(),
    aggregate_id: z.string().min(1).max(200).optional(),
    /** Append only if the stream is at this version (409 otherwise); appends at its end when left out. */
    expected_version: z.number().int().min(0).optional(),
    metadata: z.record(z.string(), z.unknown()).optional(),
  })
  .strict()
  .meta({ id: 'AppendEvent' });
type AppendEvent = z.infer<typeof AppendEventSchema>;

export interface EventRoutesOptions {
  /** Called once an append through the API has committed (workflow waits resume on it). */
  afterAppend?(events: readonly StoredEvent[]): Promise<void>;
  /** Wakes subscribers (the outbox's notification). */
  publish?(events: readonly StoredEvent[]): void;
}

/** Appends at the stream's end meet another writer only by a race: try again a few times. */
const ANY_APPEND_ATTEMPTS = 3;

export function eventRoutes(events: EventStore, opts: EventRoutesOptions = {}): RouteSpec[] {
  return [
    defineRoute<AppendEvent>({
      method: 'post',
      path: '/api/events',
      summary: 'Append an event (workflow runs waiting for its type and match resume)',
      tags: ['events'],
      scope: 'events:write',
      body: AppendEventSchema,
      responses: {
        201: { description: 'Appended', schema: StoredEventSchema },
        400: { description: 'Invalid event', schema: ErrorBodySchema },
        409: { description: 'The stream is not at expected_version', schema: ErrorBodySchema },
      },
      async handler({ body, res }) {
        const aggregateType = body.aggregate_type ?? 'external';
        const aggregateId = body.aggregate_id ?? newRowId();
        const metadata = { ...(body.metadata ?? {}), correlation_id: (res.locals.correlationId as string | undefined) ?? null };
        let appended: StoredEvent[] = [];
        for (let attempt = 1; ; attempt++) {
          try {
            appended = await events.append({ aggregateType, aggregateId, expectedVersion: body.expected_version ?? 'any', events: [{ type: body.type, data: body.data, metadata }] });
            break;
          } catch (err) {
            if (!(err instanceof ConcurrencyConflictError) || body.expected_version !== undefined || attempt >= ANY_APPEND_ATTEMPTS) throw err;
          }
        }
        opts.publish?.(appended);
        await opts.afterAppend?.(appended);
        return { status: 201, body: appended[0] };
      },
    }),
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
