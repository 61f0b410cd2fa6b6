// Entrypoint of the `web` process type (Procfile: web): the REST API.

import { assertSchemaCurrent } from '../platform/db';
import { runProcess } from './platform';
import { buildServices, initializeServices } from './services';
import { startWeb } from './start-web';

runProcess('web', async (platform) => {
  await assertSchemaCurrent(platform.database);
  const services = buildServices(platform);
  await initializeServices(services);
  await startWeb(platform, services);
});
