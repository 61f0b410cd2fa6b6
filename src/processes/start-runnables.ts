// Starts background components and registers their stop with the process's graceful shutdown.

import type { Platform } from './platform';
import type { Runnable } from './services';

export async function startRunnables(platform: Platform, runnables: readonly Runnable[]): Promise<void> {
  for (const r of runnables) {
    await r.start();
    platform.shutdown.onShutdown(r.name, () => r.stop());
  }
}
