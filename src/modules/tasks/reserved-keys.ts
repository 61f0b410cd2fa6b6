// Idempotency keys of the tasks a workflow run queues for its steps and compensations. Only the
// saga orchestrator makes them: the task API refuses them, so a step's key can be held by no task
// but the one its run queued (the run's start and each step go out without asking the insert).

import { ValidationError } from '../../platform/errors';

/** Prefix of a workflow task's key: `workflow:<run id>:<step id>` (`:compensation` for an undo). */
export const WORKFLOW_TASK_KEY_PREFIX = 'workflow:';

export const isReservedTaskKey = (key: string): boolean => key.startsWith(WORKFLOW_TASK_KEY_PREFIX);

/** Refuses a key a client may not use (a 400, before anything is queued). */
export function assertClientTaskKey(key: string | null | undefined): void {
  if (key != null && isReservedTaskKey(key)) throw new ValidationError(`idempotency keys starting with "${WORKFLOW_TASK_KEY_PREFIX}" are reserved for workflow steps`, { idempotency_key: key });
}
