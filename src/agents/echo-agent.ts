// `echo`: a small builtin agent to check a deployment end to end (and to exercise retries and timeouts).

import { PermanentAgentError } from '../modules/agents/agent-errors';
import type { BuiltinAgent } from '../modules/agents/builtin-agent';

/**
 * Actions:
 * - `echo`: returns `{ echo: input }`.
 * - `sleep`: waits `input.ms` (≤ 10 minutes, abortable), then returns `{ slept_ms }`.
 * - `fail`: throws a retryable error with `input.message`.
 * - `reject`: throws a permanent error (no retry).
 */
export function createEchoAgent(): BuiltinAgent {
  return {
    config: {
      id: 'echo',
      name: 'Echo',
      capabilities: ['echo', 'diagnostics'],
      endpoint: 'builtin://echo',
      version: '1.0.0',
      health_check_url: '',
      metadata: { description: 'Returns its input; sleep, fail and reject actions for diagnostics' },
    },
    async execute({ action, input, signal }) {
      const args = (input ?? {}) as Record<string, unknown>;
      switch (action) {
        case 'echo':
          return { echo: input ?? null };
        case 'sleep': {
          const ms = Number(args.ms ?? 0);
          if (!Number.isFinite(ms) || ms < 0 || ms > 600_000) throw new PermanentAgentError('input.ms must be 0..600000');
          await new Promise<void>((resolve, reject) => {
            const timer = setTimeout(resolve, ms);
            signal.addEventListener(
              'abort',
              () => {
                clearTimeout(timer);
                reject(signal.reason);
              },
              { once: true },
            );
          });
          return { slept_ms: ms };
        }
        case 'fail':
          throw new Error(typeof args.message === 'string' ? args.message : 'echo was asked to fail');
        case 'reject':
          throw new PermanentAgentError(typeof args.message === 'string' ? args.message : 'echo was asked to reject');
        default:
          throw new PermanentAgentError(`echo has no action "${action}" (echo, sleep, fail, reject)`);
      }
    },
  };
}
