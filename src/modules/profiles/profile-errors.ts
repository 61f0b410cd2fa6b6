// Errors of the profiles module, each mapped to its HTTP status by the one error middleware.

import { AppError, NotFoundError, ValidationError } from '../../platform/errors';

export class ProfileNotFoundError extends NotFoundError {
  constructor(readonly profileId: string) {
    super('profile', profileId);
  }
}

export class ProfileVersionNotFoundError extends AppError {
  constructor(readonly profileId: string, readonly version: number, readonly currentVersion: number) {
    super(404, 'not_found', `profile "${profileId}" has no version ${version} (current is ${currentVersion})`, {
      details: { resource: 'profile', id: profileId, version, current_version: currentVersion },
    });
  }
}

export class ProfileReportNotFoundError extends NotFoundError {
  constructor(readonly profileId: string, readonly runId: string) {
    super('profile report', `${profileId}/${runId}`);
  }
}

/** A PATCH without If-Match: the client must say which version it edits (RFC 6585, 428). */
export class PreconditionRequiredError extends AppError {
  constructor() {
    super(428, 'precondition_required', 'PATCH needs an If-Match header with the version you edit, e.g. If-Match: "3"');
  }
}

/** A change that breaks a rule across fields (revenue_min > revenue_max after merging a patch). */
export class InvalidProfileError extends ValidationError {
  constructor(message: string, readonly profileId?: string) {
    super(message, profileId === undefined ? undefined : { id: profileId });
  }
}

/** An aggregate command given to a stream in the wrong state (update before create, ...). */
export class ProfileStateError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ProfileStateError';
  }
}
