// Typed failures of the network analyzer's file loading.
import { AgentError } from '../agent-error';

/** The board-members file is missing, not JSON, or not in the documented shape. */
export class BoardMembersFileError extends AgentError {
  constructor(
    readonly path: string,
    reason: string,
    options?: { cause?: unknown },
  ) {
    super(`Cannot load board members from ${path}: ${reason}`, options);
  }
}
