// The gateway's guard, run before every declared route and every proxied request:
// public? → key → rate limit → scope. Sets res.locals.auth for handlers.
//
// Order and why:
// 1. Public routes (scope 'public') and public paths need no key and are not rate limited
//    (load-balancer probes must keep working when Redis is down and the policy is fail-closed).
// 2. No key, or an unknown/revoked key → counts against the client IP's limit (slows key
//    guessing), then 401 with WWW-Authenticate. Over the IP limit → 429 instead.
// 3. A valid key counts against its own limit (429 when over), then its scopes are checked (403).
// RateLimit-* headers are set on every response that went through limiting, errors included.
//
// The common case (the admin key or a key cached less than a second ago, counted in memory)
// runs without a promise: createApp awaits the guard only when it returns one.

import type { Request, Response } from 'express';
import { ForbiddenError, UnauthenticatedError } from './gateway-errors';
import type { AuthenticatedKey, KeyAuthenticator } from './key-authenticator';
import type { RateLimit } from './rate-limit';
import { scopesAllow, type RequiredScope } from './scopes';

export interface GatewayGuardOptions {
  authenticator: KeyAuthenticator;
  rateLimit: RateLimit;
  publicPaths: readonly string[];
}

export type Authorize = (req: Request, res: Response, scope: RequiredScope) => Promise<AuthenticatedKey | undefined>;

/** Authorize that answers (or throws) at once when nothing needs waiting for; a promise otherwise. */
export type AuthorizeNow = (req: Request, res: Response, scope: RequiredScope) => AuthenticatedKey | undefined | Promise<AuthenticatedKey | undefined>;

const NO_SCOPES: readonly string[] = Object.freeze([]);

/** The key a request presents: `Authorization: Bearer <key>` first, then `X-API-Key`. */
export function presentedKey(req: Request): string | undefined {
  const authorization = req.get('authorization');
  if (authorization) {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
    if (match) return match[1];
  }
  const header = req.get('x-api-key')?.trim();
  return header ? header : undefined;
}

export function createAuthorize(opts: GatewayGuardOptions): Authorize {
  const now = createAuthorizeNow(opts);
  return async (req, res, scope) => now(req, res, scope);
}

export function createAuthorizeNow(opts: GatewayGuardOptions): AuthorizeNow {
  const publicPaths = new Set(opts.publicPaths.map((p) => p.replace(/\/+$/, '') || '/'));
  const isPublicPath = (path: string) => publicPaths.has(path.replace(/\/+$/, '') || '/');

  function limited(req: Request, res: Response, scope: RequiredScope, auth: AuthenticatedKey | undefined): AuthenticatedKey | Promise<AuthenticatedKey> {
    const bucket = auth ? `key:${auth.keyId}` : `ip:${req.socket.remoteAddress ?? 'unknown'}`;
    // A 429 carries the RateLimit-* headers in the error's own headers.
    const counted = opts.rateLimit.apply(bucket, auth?.scopes ?? NO_SCOPES, (name, value) => res.setHeader(name, value));
    return counted ? counted.then(() => admit(res, scope, auth)) : admit(res, scope, auth);
  }

  return (req, res, scope) => {
    if (scope === 'public' || isPublicPath(req.path)) return undefined;
    const key = presentedKey(req);
    if (!key) return limited(req, res, scope, undefined);
    const known = opts.authenticator.authenticateNow(key);
    if (known) return limited(req, res, scope, known.value);
    return opts.authenticator.authenticate(key).then((auth) => limited(req, res, scope, auth));
  };
}

function admit(res: Response, scope: RequiredScope, auth: AuthenticatedKey | undefined): AuthenticatedKey {
  if (!auth) throw new UnauthenticatedError();
  res.locals.auth = auth;
  if (!scopesAllow(auth.scopes, scope)) throw new ForbiddenError(scope);
  return auth;
}
