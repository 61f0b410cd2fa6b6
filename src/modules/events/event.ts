// The stored event, the event to append, and the seed's WorkflowEvent contract.

import { z } from 'zod';

export interface EventMetadata {
  correlation_id?: string | null;
  causation_id?: string | null;
  /** Who caused it (an API key id, "system", ...). */
  actor?: string | null;
  [key: string]: unknown;
}

export interface NewEvent {
  type: string;
  data: Record<string, unknown>;
  metadata?: EventMetadata;
}

export const StoredEventSchema = z
  .object({
    id: z.string(),
    position: z.number().int(),
    aggregate_type: z.string(),
    aggregate_id: z.string(),
    version: z.number().int(),
    type: z.string(),
    data: z.record(z.string(), z.unknown()),
    metadata: z.record(z.string(), z.unknown()),
    timestamp: z.string(),
  })
  .meta({ id: 'Event' });
export type StoredEvent = z.infer<typeof StoredEventSchema>;

/** The seed's WorkflowEvent: the shape workflow events take on the API and the bus. */
export const WorkflowEventSchema = z
  .object({
    id: z.string(),
    type: z.string(),
    saga_id: z.string(),
    timestamp: z.string(),
    data: z.record(z.string(), z.unknown()),
  })
  .meta({ id: 'WorkflowEvent' });
export type WorkflowEvent = z.infer<typeof WorkflowEventSchema>;
