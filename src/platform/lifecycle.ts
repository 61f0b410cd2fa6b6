// Graceful shutdown: an ordered list of clean-ups, each attempted even when another fails, bounded by a timeout.

import type { Logger } from './logger';

export interface Shutdown {
  /** Adds a clean-up; clean-ups run in reverse order of registration (last started, first stopped). */
  onShutdown(name: string, fn: () => Promise<void> | void): void;
  /** Runs every clean-up once; repeated calls share the same promise. Resolves true when all succeeded in time. */
  run(reason: string): Promise<boolean>;
  readonly started: boolean;
}

export function createShutdown(opts: { logger: Logger; timeoutMs: number }): Shutdown {
  const steps: { name: string; fn: () => Promise<void> | void }[] = [];
  let running: Promise<boolean> | undefined;
  return {
    onShutdown(name, fn) {
      steps.push({ name, fn });
    },
    get started() {
      return running !== undefined;
    },
    run(reason) {
      running ??= (async () => {
        opts.logger.info('shutting down', { reason, timeout_ms: opts.timeoutMs });
        let ok = true;
        const all = (async () => {
          for (const step of [...steps].reverse()) {
            const started = Date.now();
            try {
              await step.fn();
              opts.logger.debug('shutdown step done', { step: step.name, duration_ms: Date.now() - started });
            } catch (err) {
              ok = false;
              opts.logger.error('shutdown step failed', { step: step.name, error: err });
            }
          }
        })();
        let timer: NodeJS.Timeout | undefined;
        const timedOut = await Promise.race([
          all.then(() => false),
          // Every step already bounds its own wait by the grace period; this is the last guard.
          new Promise<boolean>((resolve) => {
            timer = setTimeout(() => resolve(true), opts.timeoutMs + 5000);
          }),
        ]);
        clearTimeout(timer);
        if (timedOut) {
          opts.logger.error('shutdown did not finish in time');
          return false;
        }
        return ok;
      })();
      return running;
    },
  };
}

/**
 * Wires SIGTERM/SIGINT to a shutdown: the first signal starts a graceful stop and exits 0 when it
 * completes; a second signal exits at once with 1. Only process entrypoints call this.
 */
export function handleSignals(shutdown: Shutdown, logger: Logger, exit: (code: number) => void = process.exit): void {
  let signals = 0;
  const onSignal = (signal: NodeJS.Signals) => {
    signals += 1;
    if (signals > 1) {
      logger.warn('second signal: exiting now', { signal });
      exit(1);
      return;
    }
    logger.info('signal received: stopping gracefully', { signal });
    void shutdown.run(signal).then((ok) => {
      logger.info('stopped', { exit_code: ok ? 0 : 1 });
      exit(ok ? 0 : 1);
    });
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
}
