// Ids of stored rows: UUIDv7, ordered by creation time.
//
// Rows are found by id through B-tree indexes (the primary keys, and the indexes that hold a
// task's, run's or event's id). Random (v4) ids land on a random index page each, so a
// transaction that writes a few rows dirtied a page per row per index, and SQLite's WAL and its
// checkpoints (and Postgres's WAL) wrote those pages out: a saga's commits were decided by it.
// Time-ordered ids append to the same few pages. They are still UUIDs to every client; they do
// show when the row was made, which every one of these rows also shows in its created_at.

import { v7 } from 'uuid';

/** A new id for a stored row (task, workflow run, event, profile, API key). */
export function newRowId(): string {
  return v7();
}
