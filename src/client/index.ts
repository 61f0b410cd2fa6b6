// The Catalynx client's public surface (`catalynx/client`).

export { createCatalynxClient, FINAL_RUN_STATUSES, FINISHED_TASK_STATUSES } from './catalynx-client';
export type { CallAnswer, CallInput, CatalynxClient, CatalynxClientOptions, RunStatus, SuccessBody, Task, TaskStatus, WaitOptions, WorkflowEvent, WorkflowRun } from './catalynx-client';
export { CatalynxApiError } from './catalynx-api-error';
export { CatalynxNetworkError } from './catalynx-network-error';
export { ClientOptionsError } from './client-options-error';
export { CLIENT_ROUTES } from './client-routes';
export { OPERATIONS } from './openapi-types';
export type * as ApiTypes from './openapi-types';
export type { OperationId, Operations } from './openapi-types';
