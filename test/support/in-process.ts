// Runs the web stack in the test process against a real database and a real port.

import { loadConfig } from '../../src/config';
import { createPlatform, type Platform } from '../../src/processes/platform';
import { buildServices, type Services } from '../../src/processes/services';
import { startWeb } from '../../src/processes/start-web';

export interface InProcessWeb {
  url: string;
  platform: Platform;
  services: Services;
  stop(): Promise<void>;
}

export async function startInProcessWeb(env: Record<string, string>): Promise<InProcessWeb> {
  const config = loadConfig({ LOG_LEVEL: 'error', NODE_ENV: 'test', PORT: '0', HOST: '127.0.0.1', ...env });
  const platform = createPlatform('web', config);
  const services = buildServices(platform);
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
