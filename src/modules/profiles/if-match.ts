// Reads the version a client edits from If-Match: "3" (an ETag as we send it) or a bare 3.

import { ValidationError } from '../../platform/errors';
import { PreconditionRequiredError } from './profile-errors';

export function etagFor(version: number): string {
  return `"${version}"`;
}

/** Throws 428 when the header is missing and 400 when it is not one version number. */
export function expectedVersionFrom(header: string | undefined): number {
  if (header === undefined || header.trim() === '') throw new PreconditionRequiredError();
  const match = /^(?:"(\d{1,9})"|(\d{1,9}))$/.exec(header.trim());
  if (!match) {
    throw new ValidationError(`If-Match must be one version as an ETag, e.g. "3"; got ${JSON.stringify(header.slice(0, 40))}`, {
      header: 'If-Match',
    });
  }
  return Number(match[1] ?? match[2]);
}
