// The idempotency key of a request: the body's `idempotency_key`, else the `Idempotency-Key` header.

import type { Request } from 'express';

const MAX_LENGTH = 200;

export function idempotencyKeyOf(req: Request, fromBody: string | undefined): string | undefined {
  if (fromBody !== undefined) return fromBody;
  const header = req.get('idempotency-key');
  // An over-long header is ignored rather than truncated: a truncated key could collide.
  return header && header.length <= MAX_LENGTH ? header : undefined;
}
