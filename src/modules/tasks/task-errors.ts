// Typed errors of the task queue.

import { ConflictError } from '../../platform/errors';

export class TaskStateError extends ConflictError {
  constructor(taskId: string, status: string, wanted: string) {
    super(`task "${taskId}" is ${status}; ${wanted}`, { task_id: taskId, status });
  }
}
