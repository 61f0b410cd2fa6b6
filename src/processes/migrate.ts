// Entrypoint of the release phase (Procfile: release): applies pending migrations and exits.

import { migrateToLatest } from '../platform/db';
import { runProcess } from './platform';

runProcess('migrate', async (platform) => {
  const applied = await migrateToLatest(platform.database);
  platform.logger.info(applied.length ? 'migrations applied' : 'schema already current', { applied });
  await platform.shutdown.run('migrations done');
  process.exit(0);
});
