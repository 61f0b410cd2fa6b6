// The Express handler that forwards requests under a registered service's prefixes to that service.
//
// For a request on a registered prefix (longest prefix wins):
// 1. The gateway's authorize runs first: `read` for GET/HEAD/OPTIONS, any write scope otherwise,
//    with the same rate limits as declared routes.
// 2. The upstream URL is base_url + the path after the prefix + the query string
//    (`/api/discovery/items?q=1` on base `http://d:8080/v1` → `http://d:8080/v1/items?q=1`),
//    checked by the outbound policy right before the call.
// 3. Request headers are copied except hop-by-hop ones (and those named in Connection), Host,
//    the client's Authorization and X-API-Key; X-Correlation-ID is set to the request's id.
//    A JSON body already parsed by express.json() is re-serialised; any other body is streamed.
// 4. Outcomes: no response headers within the timeout (service timeout_ms or the default) → 504;
//    connection error or a 5xx → 502; both count as failures of the service's circuit breaker,
//    which answers 503 with Retry-After while open. Other statuses (incl. 3xx, never followed)
//    are passed back with the body streamed, minus hop-by-hop headers.

import { request as httpRequest, type IncomingHttpHeaders, type IncomingMessage, type OutgoingHttpHeaders } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { pipeline } from 'node:stream/promises';
import type { NextFunction, Request, Response } from 'express';
import { CircuitOpenError, TimeoutError, withTimeout } from '../../resilience';
import type { Logger } from '../../platform/logger';
import type { Authorize } from './gateway-guard';
import { UpstreamCircuitOpenError, UpstreamFailedError, UpstreamTimeoutError } from './gateway-errors';
import type { OutboundPolicy } from './outbound-policy';
import type { ServiceDirectory, ServiceMatch } from './service-directory';

const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-authenticate',
  'proxy-authorization',
  'proxy-connection',
  'te',
  'trailer',
  'trailers',
  'transfer-encoding',
  'upgrade',
]);
const NOT_FORWARDED = new Set(['host', 'authorization', 'x-api-key', 'x-correlation-id', 'content-length']);
const READ_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

export interface ServiceProxyOptions {
  directory: ServiceDirectory;
  authorize: Authorize;
  outbound: OutboundPolicy;
  logger: Logger;
  defaultTimeoutMs: number;
}

/** Headers without hop-by-hop ones (fixed list plus those the Connection header names). */
export function withoutHopByHop(headers: IncomingHttpHeaders, alsoDrop: ReadonlySet<string> = new Set()): OutgoingHttpHeaders {
  const named = new Set(
    String(headers.connection ?? '')
      .split(',')
      .map((h) => h.trim().toLowerCase())
      .filter(Boolean),
  );
  const out: OutgoingHttpHeaders = {};
  for (const [name, value] of Object.entries(headers)) {
    const lower = name.toLowerCase();
    if (value === undefined || HOP_BY_HOP.has(lower) || lower.startsWith('proxy-') || named.has(lower) || alsoDrop.has(lower)) continue;
    out[lower] = value;
  }
  return out;
}

class UpstreamStatusError extends Error {
  constructor(readonly status: number) {
    super(`answered ${status}`);
    this.name = 'UpstreamStatusError';
  }
}

export function createServiceProxy(opts: ServiceProxyOptions) {
  const log = opts.logger.child('gateway.proxy');

  function send(match: ServiceMatch, req: Request, res: Response, target: URL, signal: AbortSignal, timeoutMs: number): Promise<IncomingMessage> {
    const headers = withoutHopByHop(req.headers, NOT_FORWARDED);
    headers['x-correlation-id'] = res.locals.correlationId;
    headers['x-forwarded-for'] = req.socket.remoteAddress ?? '';
    let body: Buffer | undefined;
    // express.json() has consumed JSON bodies already; anything else is still in the stream.
    const parsed = req.body !== undefined;
    if (parsed) {
      body = Buffer.from(JSON.stringify(req.body), 'utf8');
      headers['content-length'] = String(body.length);
    } else if (req.headers['content-length'] !== undefined) {
      headers['content-length'] = req.headers['content-length'];
    } else if (req.headers['transfer-encoding'] !== undefined) {
      headers['transfer-encoding'] = 'chunked';
    }
    const request = target.protocol === 'https:' ? httpsRequest : httpRequest;
    return new Promise<IncomingMessage>((resolve, reject) => {
      const upstream = request(target, { method: req.method, headers, signal, timeout: timeoutMs }, (upstreamRes) => {
        const status = upstreamRes.statusCode ?? 502;
        if (status >= 500) {
          upstreamRes.resume();
          reject(new UpstreamStatusError(status));
          return;
        }
        resolve(upstreamRes);
      });
      // An idle socket (headers sent, body stalled) is cut after the timeout too.
      upstream.on('timeout', () => upstream.destroy(new TimeoutError(timeoutMs, `service ${match.record.name}`)));
      upstream.on('error', reject);
      if (body) upstream.end(body);
      else if (req.headers['content-length'] === undefined && req.headers['transfer-encoding'] === undefined) upstream.end();
      else req.pipe(upstream);
    });
  }

  return async function proxyHandler(req: Request, res: Response, next: NextFunction): Promise<void> {
    if (!req.path.startsWith('/api/')) return next();
    const match = await opts.directory.match(req.path);
    if (!match) return next();
    res.locals.routePath = `${match.prefix}/*`;
    await opts.authorize(req, res, READ_METHODS.has(req.method) ? 'read' : 'any:write');

    const { record, breaker } = match;
    const base = record.base_url.replace(/\/+$/, '');
    const query = req.originalUrl.includes('?') ? req.originalUrl.slice(req.originalUrl.indexOf('?')) : '';
    const target = new URL(`${base}${match.rest}${query}`);
    await opts.outbound.checkUrl(target.toString());
    const timeoutMs = record.timeout_ms ?? opts.defaultTimeoutMs;

    let upstreamRes: IncomingMessage;
    try {
      upstreamRes = await breaker.execute(() =>
        withTimeout((signal) => send(match, req, res, target, signal, timeoutMs), timeoutMs, { label: `service ${record.name}` }),
      );
    } catch (err) {
      if (err instanceof CircuitOpenError) throw new UpstreamCircuitOpenError(record.name, Math.max(1, Math.ceil(err.retryAfterMs / 1000)));
      if (err instanceof TimeoutError) throw new UpstreamTimeoutError(record.name, timeoutMs);
      const reason = err instanceof UpstreamStatusError ? err.message : 'the connection failed';
      log.warn('proxied request failed', { service: record.name, reason, error: err instanceof Error ? err.message : String(err) });
      throw new UpstreamFailedError(record.name, reason);
    }
    res.status(upstreamRes.statusCode ?? 502);
    for (const [name, value] of Object.entries(withoutHopByHop(upstreamRes.headers))) {
      if (value !== undefined) res.setHeader(name, value);
    }
    try {
      await pipeline(upstreamRes, res);
    } catch (err) {
      // Headers are sent: all that is left is cutting the connection so the client sees a broken body.
      log.warn('proxied response interrupted', { service: record.name, error: err instanceof Error ? err.message : String(err) });
      res.destroy();
    }
  };
}
