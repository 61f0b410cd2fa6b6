// Runs the web stack in the test process against a real database and a real port.

import { loadConfig } from '../../src/config';
import { createPlatform, type Platform } from '../../src/processes/platform';
import { buildServices, initializeServices, type Services } from '../../src/processes/services';
import { startScheduler } from '../../src/processes/start-scheduler';
import { startWeb } from '../../src/processes/start-web';
import { startWorker } from '../../src/processes/start-worker';

export interface InProcessWeb {
  url: string;
  platform: Platform;
  services: Services;
  stop(): Promise<void>;
}

/** The admin key every in-process web accepts unless the test sets ADMIN_API_KEY itself. */
export const TEST_ADMIN_KEY = 'test-admin-key-0123456789';

export async function startInProcessWeb(env: Record<string, string>): Promise<InProcessWeb> {
  const config = loadConfig({ LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'error', NODE_ENV: 'test', PORT: '0', HOST: '127.0.0.1', ADMIN_API_KEY: TEST_ADMIN_KEY, ...env });
  const platform = createPlatform('web', config);
  const services = buildServices(platform);
  await initializeServices(services);
  const server = await startWeb(platform, services);
  return {
    url: server.url,
    platform,
    services,
    stop: async () => {
      await platform.shutdown.run('test finished');
    },
  };
}

export interface InProcessStack extends InProcessWeb {
  /** Calls the API with the test admin key. */
  api(path: string, init?: RequestInit & { json?: unknown }): Promise<{ status: number; body: any; headers: Headers }>; // eslint-disable-line @typescript-eslint/no-explicit-any -- test JSON bodies are asserted field by field
}

/** Web + worker + scheduler in the test process (what `npm start` runs), on a real port and database. */
export async function startInProcessStack(env: Record<string, string>): Promise<InProcessStack> {
  const config = loadConfig({ LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'error', NODE_ENV: 'test', PORT: '0', HOST: '127.0.0.1', ADMIN_API_KEY: TEST_ADMIN_KEY, ...env });
  const platform = createPlatform('all', config);
  const services = buildServices(platform);
  await initializeServices(services);
  await startScheduler(platform, services);
  await startWorker(platform, services);
  const server = await startWeb(platform, services);
  const key = env.ADMIN_API_KEY ?? TEST_ADMIN_KEY;
  return {
    url: server.url,
    platform,
    services,
    stop: async () => {
      await platform.shutdown.run('test finished');
    },
    async api(path, init = {}) {
      const headers = new Headers(init.headers);
      if (!headers.has('authorization')) headers.set('authorization', `Bearer ${key}`);
      let body = init.body;
      if (init.json !== undefined) {
        headers.set('content-type', 'application/json');
        body = JSON.stringify(init.json);
      }
      const res = await fetch(`${server.url}${path}`, { ...init, headers, body });
      const text = await res.text();
      let parsed: unknown = text;
      try {
        parsed = text ? JSON.parse(text) : null;
      } catch {
        // not JSON: keep the text
      }
      return { status: res.status, body: parsed as any, headers: res.headers }; // eslint-disable-line @typescript-eslint/no-explicit-any
    },
  };
}

/**
 * Calls the admin API of a server at `url` (GET without a body, POST with one) and answers the
 * status and the parsed JSON body.
 */
export async function adminApi(url: string, path: string, body?: unknown): Promise<{ status: number; body: any }> { // eslint-disable-line @typescript-eslint/no-explicit-any -- callers assert field by field
  const res = await fetch(`${url}${path}`, {
    method: body === undefined ? 'GET' : 'POST',
    headers: { authorization: `Bearer ${TEST_ADMIN_KEY}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, body: await res.json() };
}
