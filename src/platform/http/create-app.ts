// Builds the Express application: correlation id, access log, JSON body limits, declared routes, JSON errors.

import express, { type NextFunction, type Request, type Response } from 'express';
import type { ExecutionContext } from '../context';
import { newCorrelationId } from '../context';
import { AppError } from '../errors';
import type { Logger } from '../logger';
import { toErrorReply } from './http-errors';
import { pathPattern, type Reply, type RouteSpec } from './route';
import { parseOrThrow } from './validation';

export interface AppOptions {
  logger: Logger;
  context: ExecutionContext;
  bodyLimitBytes: number;
  routes: readonly RouteSpec[];
  /** Decides whether an unknown error means a backing service is down (503) rather than a bug (500). */
  isUnavailable(err: unknown): boolean;
  /**
   * Runs before every declared route's validation: authentication, authorisation and rate
   * limiting live here (the gateway). Throws (or rejects with) an AppError (401/403/429) to
   * refuse; returns a promise only when it has to wait (the request then waits for it).
   */
  guard?(req: Request, res: Response, route: RouteSpec): void | Promise<unknown>;
  /** Mounted after the declared routes and before the 404 handler (proxy routes, dashboard). */
  extraHandlers?: ((req: Request, res: Response, next: NextFunction) => void | Promise<void>)[];
  /** Called once per finished request (metrics). */
  onRequestFinished?(info: { method: string; route: string; status: number; durationMs: number }): void;
}

const CORRELATION_HEADER = 'x-correlation-id';
const CORRELATION_ID_PATTERN = /^[A-Za-z0-9._:-]{1,128}$/;
const METHODS_WITH_BODY = new Set(['POST', 'PUT', 'PATCH']);

declare module 'express-serve-static-core' {
  interface Locals {
    correlationId: string;
    routePath?: string;
    /** The API key that made the request, set by the gateway guard (absent on public routes). */
    auth?: { keyId: string; name: string; scopes: string[] };
  }
}

export function createApp(opts: AppOptions): express.Express {
  const app = express();
  const log = opts.logger.child('http');
  app.disable('x-powered-by');
  app.set('etag', false);
  app.set('trust proxy', false);

  // 1. Correlation id: taken from the client when well-formed, otherwise new; echoed back.
  app.use((req, res, next) => {
    const incoming = req.get(CORRELATION_HEADER);
    const correlationId = incoming && CORRELATION_ID_PATTERN.test(incoming) ? incoming : newCorrelationId();
    res.locals.correlationId = correlationId;
    res.setHeader('X-Correlation-ID', correlationId);
    const started = process.hrtime.bigint();
    res.on('finish', () => {
      const durationMs = Number(process.hrtime.bigint() - started) / 1e6;
      const route = res.locals.routePath ?? (res.statusCode === 404 ? 'unmatched' : req.path);
      log.info('request', {
        correlation_id: correlationId,
        method: req.method,
        path: req.path,
        route,
        status: res.statusCode,
        duration_ms: Math.round(durationMs * 100) / 100,
      });
      opts.onRequestFinished?.({ method: req.method, route, status: res.statusCode, durationMs });
    });
    next();
  });

  // 2. Body: JSON only, bounded. Bodies of other types on JSON routes get a 415 below.
  app.use(express.json({ limit: opts.bodyLimitBytes, strict: false, type: ['application/json', 'application/*+json'] }));

  // 3. Everything after runs inside the request's execution context.
  app.use((_req, res, next) => opts.context.run({ correlationId: res.locals.correlationId }, () => next()));

  const patterns: { route: RouteSpec; pattern: RegExp }[] = [];
  for (const route of opts.routes) {
    patterns.push({ route, pattern: pathPattern(route.path) });
    // Not async: a request the guard decides at once and whose handler answers at once (an
    // execute on SQLite) is served without a promise; Express passes a throw, or a rejection of
    // the promise returned, to the error handler.
    app[route.method](route.path, (req: Request, res: Response) => {
      res.locals.routePath = route.path;
      // A guard that decided at once costs no promise (see the gateway guard's fast path).
      const guarded = opts.guard?.(req, res, route);
      return guarded ? guarded.then(() => serve(route, req, res)) : serve(route, req, res);
    });
  }

  /** Validates the request for `route`, runs its handler and sends its reply. */
  function serve(route: RouteSpec, req: Request, res: Response): Promise<void> | void {
    // A NUL character cannot be stored in a Postgres text or jsonb value (the insert would fail
    // with a 500 there and succeed on SQLite); refuse it up front on every dialect alike.
    const nulAt = findNul({ params: req.params, query: req.query, body: req.body });
    if (nulAt) throw new AppError(400, 'invalid_characters', `The request contains a NUL character (at ${nulAt})`);
    const params = route.params ? parseOrThrow(route.params, req.params, 'params') : req.params;
    const query = route.query ? parseOrThrow(route.query, req.query ?? {}, 'query') : req.query;
    let body: unknown = undefined;
    if (route.body) {
      // The JSON parser above parses every body of a JSON type (into a value, never undefined)
      // and leaves the others unread, so a body left undefined is one of another type.
      if (req.body === undefined && hasBody(req)) {
        throw new AppError(415, 'unsupported_media_type', 'The request body must be application/json');
      }
      body = parseOrThrow(route.body, req.body ?? {}, 'body');
    }
    const answered = route.handler({ req, res, body, query, params });
    if (answered instanceof Promise) return answered.then((reply) => send(res, reply));
    send(res, answered);
  }

  for (const handler of opts.extraHandlers ?? []) app.use(handler);

  // 404 for unknown paths, 405 (with Allow) for known paths with another method.
  app.use((req, _res, next) => {
    const allowed = patterns.filter((p) => p.pattern.test(req.path)).map((p) => p.route.method.toUpperCase());
    if (allowed.length > 0) {
      next(
        new AppError(405, 'method_not_allowed', `${req.method} is not allowed on ${req.path}`, {
          details: { allowed: [...new Set(allowed)] },
          headers: { Allow: [...new Set(allowed)].join(', ') },
        }),
      );
      return;
    }
    next(new AppError(404, 'not_found', `No route for ${req.method} ${req.path}`));
  });

  // Errors: one JSON shape; 5xx are logged with the stack, which never reaches the client.
  app.use((err: unknown, req: Request, res: Response, _next: NextFunction) => {
    const reply = toErrorReply(err, opts.isUnavailable);
    if (reply.status >= 500) {
      log.error('request failed', {
        correlation_id: res.locals.correlationId,
        method: req.method,
        path: req.path,
        status: reply.status,
        error: err,
      });
    }
    if (res.headersSent) {
      res.destroy();
      return;
    }
    if (reply.headers) for (const [k, v] of Object.entries(reply.headers)) res.setHeader(k, v);
    res.status(reply.status).json({
      error: { code: reply.code, message: reply.message, ...(reply.details === undefined ? {} : { details: reply.details }) },
    });
  });

  return app;
}

function hasBody(req: Request): boolean {
  if (!METHODS_WITH_BODY.has(req.method)) return false;
  const length = req.get('content-length');
  return req.get('transfer-encoding') !== undefined || (length !== undefined && length !== '0');
}

/**
 * The dotted path of the first string (or key) holding U+0000 in a parsed request part, if any.
 * Iterative: a body nested thousands of levels deep must not overflow the stack (a 500).
 */
function findNul(root: unknown): string | undefined {
  // Almost no request holds one: look without building paths first.
  if (!holdsNul(root)) return undefined;
  const stack: [unknown, string][] = [[root, '']];
  while (stack.length > 0) {
    const [value, path] = stack.pop()!;
    if (typeof value === 'string') {
      if (value.includes('\u0000')) return path || '.';
      continue;
    }
    if (typeof value !== 'object' || value === null) continue;
    for (const [key, child] of Object.entries(value)) {
      const at = path ? `${path}.${key}` : key;
      if (key.includes('\u0000')) return at;
      stack.push([child, at]);
    }
  }
  return undefined;
}

/** Whether any string (or key) in a parsed request part holds U+0000; iterative, allocation-light. */
function holdsNul(root: unknown): boolean {
  const stack: unknown[] = [root];
  while (stack.length > 0) {
    const value = stack.pop();
    if (typeof value === 'string') {
      if (value.includes('\u0000')) return true;
      continue;
    }
    if (typeof value !== 'object' || value === null) continue;
    if (Array.isArray(value)) {
      for (const child of value) stack.push(child);
      continue;
    }
    for (const key in value) {
      if (!Object.prototype.hasOwnProperty.call(value, key)) continue;
      if (key.includes('\u0000')) return true;
      stack.push((value as Record<string, unknown>)[key]);
    }
  }
  return false;
}

/**
 * Sends a handler's reply, unless it answered the request itself. A JSON body is written
 * directly: Express's res.json and res.send would also look up the app's JSON and ETag
 * settings (neither is used here), set the charset and check freshness, about 4 % of an
 * execute request's time (bench/findings.md item 85). Statuses that carry no body (204, 304)
 * still go through Express, which strips the body and its headers.
 */
function send(res: Response, reply: Reply | undefined): void {
  if (!reply || res.headersSent) return;
  if (reply.headers) for (const [k, v] of Object.entries(reply.headers)) res.setHeader(k, v);
  if (reply.body === undefined) res.status(reply.status).end();
  else if (reply.status === 204 || reply.status === 304) res.status(reply.status).json(reply.body);
  else {
    const text = JSON.stringify(reply.body);
    res.statusCode = reply.status;
    res.setHeader('Content-Type', 'application/json; charset=utf-8');
    res.setHeader('Content-Length', Buffer.byteLength(text));
    // Node sends no body for a HEAD request.
    res.end(text);
  }
}
