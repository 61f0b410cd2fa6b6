// Errors of the workflows module, mapped to HTTP statuses by the platform's error handler.

import { AppError, ValidationError } from '../../platform/errors';

/** A definition names agents that are not registered (400, nothing stored). */
export class UnknownAgentsError extends ValidationError {
  readonly agents: string[];
  constructor(workflowId: string, agents: string[]) {
    super(`workflow "${workflowId}" names unknown agents: ${agents.join(', ')}`, { unknown_agents: agents });
    this.agents = agents;
  }
}

/** A run cannot make the requested transition (e.g. cancelling a finished run). */
export class RunStateError extends AppError {
  constructor(runId: string, status: string, reason: string) {
    super(409, 'invalid_run_state', `workflow run "${runId}" is ${status}: ${reason}`, { details: { run_id: runId, status } });
  }
}

/** A file in WORKFLOWS_DIR holds no valid definition; start-up fails with the file named. */
export class WorkflowFileError extends Error {
  readonly file: string;
  constructor(file: string, reason: string) {
    super(`workflow file ${file}: ${reason}`);
    this.name = 'WorkflowFileError';
    this.file = file;
  }
}

/** A definition starts child workflows that are not defined (400, nothing stored). */
export class UnknownWorkflowsError extends ValidationError {
  readonly workflows: string[];
  constructor(workflowId: string, workflows: string[]) {
    super(`workflow "${workflowId}" starts unknown workflows: ${workflows.join(', ')}`, { unknown_workflows: workflows });
    this.workflows = workflows;
  }
}
