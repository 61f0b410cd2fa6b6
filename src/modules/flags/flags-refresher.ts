// Keeps a process's flag snapshot current: reloads it every interval and at once when `flags` is notified.
import type { Logger } from '../../platform/logger';
import type { Notifier } from '../../platform/notifier';
import type { Runnable } from '../../processes/services';
import type { FlagSnapshot, VersionedFlag } from './feature-flags';
import { FLAGS_CHANNEL } from './flag-store';

export interface FlagsRefresherOptions {
  snapshot: FlagSnapshot;
  /** Reads every stored flag (the database in production). */
  load(): Promise<VersionedFlag[]>;
  notifier: Notifier;
  logger: Logger;
  /** The polling period; the safety net when a notification is lost (or there is no Redis). */
  intervalMs: number;
  /** Timer functions (tests pass fakes). */
  setInterval?: (fn: () => void, ms: number) => { unref?(): void };
  clearInterval?: (handle: { unref?(): void }) => void;
}

/**
 * start() loads once (and throws if that fails, so a process never serves with no flags), then
 * polls and listens. Later failed loads are logged and keep the last good snapshot. A wake-up
 * during a load runs one more load after it, so a change committed mid-load is not missed.
 * start() and stop() are idempotent: the refresher may be both started by an initializer and
 * listed among the worker's runnables.
 */
export function createFlagsRefresher(opts: FlagsRefresherOptions): Runnable & { refresh(): Promise<void> } {
  const log = opts.logger.child('flags');
  const setTimer = opts.setInterval ?? ((fn: () => void, ms: number) => setInterval(fn, ms));
  const clearTimer = opts.clearInterval ?? ((h: { unref?(): void }) => clearInterval(h as NodeJS.Timeout));
  let started = false;
  let stopped = false;
  let timer: { unref?(): void } | undefined;
  let unsubscribe: (() => void) | undefined;
  let running: Promise<void> | undefined;
  let again = false;

  async function loadOnce(): Promise<void> {
    opts.snapshot.replaceAll(await opts.load());
  }

  function refresh(): Promise<void> {
    if (running) {
      again = true;
      return running;
    }
    running = (async () => {
      do {
        again = false;
        try {
          await loadOnce();
        } catch (err) {
          log.warn('flags refresh failed; keeping the last snapshot', { error: err instanceof Error ? err.message : String(err) });
        }
      } while (again && !stopped);
    })().finally(() => {
      running = undefined;
    });
    return running;
  }

  return {
    name: 'flags-refresher',
    refresh,
    async start() {
      if (started) return;
      started = true;
      await loadOnce();
      if (stopped) return;
      timer = setTimer(() => void refresh(), opts.intervalMs);
      timer.unref?.();
      unsubscribe = opts.notifier.subscribe(FLAGS_CHANNEL, () => void refresh());
    },
    async stop() {
      stopped = true;
      if (timer) clearTimer(timer);
      timer = undefined;
      unsubscribe?.();
      unsubscribe = undefined;
      await running;
    },
  };
}
