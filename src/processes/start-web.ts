// The web process's job: serve the REST API on PORT until told to stop.

import { createApp } from '../platform/http/create-app';
import { listen, type RunningServer } from '../platform/http/http-server';
import type { Platform } from './platform';
import type { Services } from './services';

export async function startWeb(platform: Platform, services: Services): Promise<RunningServer> {
  const { config, logger, context, database } = platform;
  // Before listening: a production web without any key refuses to start (see bootstrap-key.ts).
  await services.gateway?.start();
  if (services.gateway) platform.shutdown.onShutdown('gateway', () => services.gateway?.close());
  const app = createApp({
    logger,
    context,
    bodyLimitBytes: config.http.bodyLimitBytes,
    routes: services.routes,
    isUnavailable: (err) => database.strategy.isUnavailable(err),
    guard: services.gateway?.guard,
    extraHandlers: services.gateway?.extraHandlers,
    onRequestFinished: services.metrics?.onRequestFinished,
  });
  const server = await listen(app, config.http);
  platform.shutdown.onShutdown('http server', () => server.close(config.shutdownTimeoutMs));
  logger.info('web listening', { port: server.port, url: server.url });
  return server;
}
