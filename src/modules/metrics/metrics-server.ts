// The worker's and scheduler's metrics endpoint (they serve no API): a bare node:http server on
// METRICS_PORT answering only GET /metrics and GET /health/live.

import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Registry } from 'prom-client';
import { listen, type HttpServerOptions, type RunningServer } from '../../platform/http/http-server';
import type { Logger } from '../../platform/logger';

export interface MetricsServerOptions {
  registry: Registry;
  /** Host, port and slow-client timeouts (the port is METRICS_PORT). */
  http: HttpServerOptions;
  logger: Logger;
}

function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', 'Cache-Control': 'no-store', ...headers });
  res.end(JSON.stringify(body));
}

export async function startMetricsServer(opts: MetricsServerOptions): Promise<RunningServer> {
  const log = opts.logger.child('metrics');
  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const path = new URL(req.url ?? '/', 'http://metrics.invalid').pathname.replace(/\/+$/, '') || '/';
    if (path !== '/metrics' && path !== '/health/live') {
      sendJson(res, 404, { error: { code: 'not_found', message: `No route for ${req.method} ${path}` } });
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      sendJson(res, 405, { error: { code: 'method_not_allowed', message: `${req.method} is not allowed on ${path}` } }, { Allow: 'GET, HEAD' });
      return;
    }
    if (path === '/health/live') {
      sendJson(res, 200, { status: 'alive' });
      return;
    }
    const body = await opts.registry.metrics();
    res.writeHead(200, { 'Content-Type': opts.registry.contentType, 'Cache-Control': 'no-store' });
    res.end(req.method === 'HEAD' ? undefined : body);
  };
  return listen((req, res) => {
    handle(req, res).catch((err: unknown) => {
      log.error('metrics request failed', { error: err });
      if (!res.headersSent) sendJson(res, 500, { error: { code: 'internal_error', message: 'Internal error' } });
      else res.destroy();
    });
  }, opts.http);
}
