// Entrypoint (`npm run projections:rebuild`): empties the read models, resets their checkpoints,
// replays every event into them, prints the counts and exits. Safe while workers run: the replay
// holds the checkpoint row, so a live subscription's concurrent step rolls back and re-reads.

import { rebuildProfileProjection } from '../modules/profiles/profile-projection-subscription';
import { runProcess } from './platform';

runProcess('cli', async (platform) => {
  const counts = [await rebuildProfileProjection(platform.database)];
  for (const c of counts) {
    platform.logger.info('projection rebuilt', { ...c });
    process.stdout.write(`${c.projection}: ${c.events} events replayed, ${c.profiles} profiles, ${c.reports} reports (position ${c.position})\n`);
  }
  await platform.shutdown.run('projections rebuilt');
  process.exit(0);
});
