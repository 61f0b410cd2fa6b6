// The subscription that keeps the profiles read model current, and the rebuild that replays it.

import type { DatabaseHandle } from '../../platform/db';
import type { Logger } from '../../platform/logger';
import type { Notifier } from '../../platform/notifier';
import type { EventStore } from '../events/event-store';
import { replaySubscription } from '../events/replay-subscription';
import { createSubscription, type Subscription } from '../events/subscription';
import { PROFILE_AGGREGATE } from './profile';
import { clearProfileReadModel, projectProfileEvent, PROFILES_PROJECTION } from './profile-projection';

export interface ProfileProjectionOptions {
  database: DatabaseHandle;
  events: EventStore;
  notifier: Notifier;
  logger: Logger;
  pollIntervalMs: number;
  leaseMs?: number;
  owner?: string;
}

export function createProfileProjection(opts: ProfileProjectionOptions): Subscription {
  return createSubscription({
    name: PROFILES_PROJECTION,
    database: opts.database,
    events: opts.events,
    notifier: opts.notifier,
    logger: opts.logger,
    pollIntervalMs: opts.pollIntervalMs,
    leaseMs: opts.leaseMs,
    owner: opts.owner,
    aggregateType: PROFILE_AGGREGATE,
    handler: (event, trx) => {
      // Transactional subscription: trx is always given; without it the read model would drift.
      if (!trx) throw new Error('the profiles projection needs the checkpoint transaction');
      return projectProfileEvent(event, trx);
    },
  });
}

export interface RebuildCounts {
  projection: string;
  events: number;
  profiles: number;
  reports: number;
  position: number;
}

/** Empties the read model, resets the checkpoint and replays every profile event, in one transaction. */
export async function rebuildProfileProjection(database: DatabaseHandle): Promise<RebuildCounts> {
  const replayed = await replaySubscription({
    database,
    subscriber: PROFILES_PROJECTION,
    aggregateType: PROFILE_AGGREGATE,
    reset: clearProfileReadModel,
    handler: projectProfileEvent,
  });
  const { db } = database;
  const profiles = await db.selectFrom('profiles').select((eb) => eb.fn.countAll().as('n')).executeTakeFirst();
  const reports = await db.selectFrom('profile_reports').select((eb) => eb.fn.countAll().as('n')).executeTakeFirst();
  return {
    projection: PROFILES_PROJECTION,
    events: replayed.events,
    profiles: Number(profiles?.n ?? 0),
    reports: Number(reports?.n ?? 0),
    position: replayed.position,
  };
}
