// Runs one task attempt on an agent: a builtin handler in this process, or a POST to a remote endpoint.

import type { Logger } from '../../platform/logger';
import type { Agent } from './agent';
import { AgentCallError, PermanentAgentError } from './agent-errors';
import type { AgentInvocation, BuiltinAgent } from './builtin-agent';

export interface AgentTask {
  id: string;
  agent_id: string;
  action: string;
  input: unknown;
  attempts: number;
  correlation_id: string | null;
}

/** Where a call finds its abort signal, read only when the call needs it (an AbortController fits). */
export interface AbortSource {
  readonly signal: AbortSignal;
}

export interface AgentRuntime {
  /**
   * Runs the task on the agent. `abort.signal` is read only by a call that uses it (every HTTP
   * call; a builtin when it looks at its invocation's signal): an AbortController makes its
   * signal on first read, and a short builtin call never needs one.
   */
  execute(agent: Agent, task: AgentTask, abort: AbortSource): Promise<unknown>;
  /** Pings an agent's health: builtin probe, or GET health_check_url answering 2xx. */
  ping(agent: Agent, signal: AbortSignal): Promise<{ healthy: boolean; message: string }>;
}

export interface AgentRuntimeOptions {
  builtins: ReadonlyMap<string, BuiltinAgent>;
  logger: Logger;
  fetch?: typeof fetch;
  /** Checks an outbound URL against the SSRF policy before calling it (throws to refuse). */
  checkOutboundUrl?: (url: string) => Promise<void>;
  /** Largest response body accepted from a remote agent. */
  maxResponseBytes?: number;
}

const RETRYABLE_STATUS = new Set([408, 429]);

/**
 * A builtin's invocation; its signal is the abort source's, read when the handler reads it. A
 * class rather than an object literal with a getter: such literals take V8's slow path, about ten
 * times the cost of building this, once per attempt.
 */
class BuiltinInvocation implements AgentInvocation {
  readonly taskId: string;
  readonly action: string;
  readonly input: unknown;
  readonly attempt: number;
  readonly correlationId: string | null;
  readonly #abort: AbortSource;

  constructor(
    readonly agentId: string,
    task: AgentTask,
    abort: AbortSource,
    readonly logger: Logger,
  ) {
    this.taskId = task.id;
    this.action = task.action;
    this.input = task.input;
    this.attempt = task.attempts;
    this.correlationId = task.correlation_id;
    this.#abort = abort;
  }

  get signal(): AbortSignal {
    return this.#abort.signal;
  }
}

export function createAgentRuntime(opts: AgentRuntimeOptions): AgentRuntime {
  const doFetch = opts.fetch ?? fetch;
  const maxBytes = opts.maxResponseBytes ?? 10 * 1024 * 1024;

  async function callHttp(agent: Agent, task: AgentTask, signal: AbortSignal): Promise<unknown> {
    await opts.checkOutboundUrl?.(agent.endpoint);
    let res: Response;
    try {
      res = await doFetch(agent.endpoint, {
        method: 'POST',
        // Never follow a redirect blindly: it could point the worker at an internal address.
        redirect: 'manual',
        signal,
        headers: {
          'Content-Type': 'application/json',
          Accept: 'application/json',
          'X-Correlation-ID': task.correlation_id ?? task.id,
          'Idempotency-Key': task.id,
        },
        body: JSON.stringify({
          task_id: task.id,
          agent_id: agent.id,
          action: task.action,
          input: task.input,
          attempt: task.attempts,
        }),
      });
    } catch (err) {
      if (signal.aborted) throw signal.reason ?? err;
      const cause = (err as { cause?: { code?: string; message?: string } }).cause;
      throw new AgentCallError(
        `agent ${agent.id} unreachable: ${cause?.code ?? cause?.message ?? (err as Error).message}`,
        true,
        { agentId: agent.id },
        err,
      );
    }
    const text = await readBody(res, maxBytes, signal);
    if (res.status >= 300 && res.status < 400) {
      throw new AgentCallError(`agent ${agent.id} answered a redirect (${res.status}); redirects are not followed`, false, {
        status: res.status,
        agentId: agent.id,
      });
    }
    if (res.status >= 400) {
      const retryable = res.status >= 500 || RETRYABLE_STATUS.has(res.status);
      throw new AgentCallError(`agent ${agent.id} answered ${res.status}: ${text.slice(0, 300)}`, retryable, {
        status: res.status,
        agentId: agent.id,
      });
    }
    if (!text.trim()) return null;
    try {
      return JSON.parse(text) as unknown;
    } catch {
      // A 2xx that is not JSON: the agent misbehaved. Retried (it may be a transient proxy page) and
      // counted by the circuit breaker.
      throw new AgentCallError(`agent ${agent.id} answered ${res.status} with a body that is not JSON: ${text.slice(0, 100)}`, true, {
        status: res.status,
        agentId: agent.id,
      });
    }
  }

  /** One logger per builtin, made on its first call. */
  const builtinLoggers = new Map<string, Logger>();
  const loggerFor = (agentId: string): Logger => {
    let logger = builtinLoggers.get(agentId);
    if (logger === undefined) builtinLoggers.set(agentId, (logger = opts.logger.child(`agent.${agentId}`)));
    return logger;
  };

  /** A builtin's call, with no promise of its own around the handler's (the worker's hot path). */
  function callBuiltin(agent: Agent, task: AgentTask, abort: AbortSource): Promise<unknown> {
    const builtin = opts.builtins.get(agent.id);
    if (!builtin) return Promise.reject(new PermanentAgentError(`builtin agent ${agent.id} is not available in this worker`));
    try {
      return builtin.execute(new BuiltinInvocation(agent.id, task, abort, loggerFor(agent.id)));
    } catch (err) {
      // A handler that throws before returning its promise fails the call like one that rejects.
      return Promise.reject(err);
    }
  }

  return {
    execute(agent, task, abort) {
      return agent.runtime === 'builtin' ? callBuiltin(agent, task, abort) : callHttp(agent, task, abort.signal);
    },
    async ping(agent, signal) {
      if (agent.runtime === 'builtin') {
        const builtin = opts.builtins.get(agent.id);
        if (!builtin) return { healthy: false, message: 'builtin not loaded in this process' };
        return builtin.health ? builtin.health(signal) : { healthy: true, message: 'builtin' };
      }
      if (!agent.health_check_url) return { healthy: true, message: 'no health check URL; relies on heartbeats' };
      try {
        await opts.checkOutboundUrl?.(agent.health_check_url);
        const res = await doFetch(agent.health_check_url, { method: 'GET', redirect: 'manual', signal });
        await res.body?.cancel().catch(() => undefined);
        return res.status >= 200 && res.status < 300
          ? { healthy: true, message: `health check answered ${res.status}` }
          : { healthy: false, message: `health check answered ${res.status}` };
      } catch (err) {
        return { healthy: false, message: `health check failed: ${signal.aborted ? 'timed out' : (err as Error).message}` };
      }
    },
  };
}

async function readBody(res: Response, maxBytes: number, signal: AbortSignal): Promise<string> {
  if (!res.body) return '';
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    if (signal.aborted) {
      await reader.cancel().catch(() => undefined);
      throw signal.reason;
    }
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > maxBytes) {
      await reader.cancel().catch(() => undefined);
      throw new AgentCallError(`agent response larger than ${maxBytes} bytes`, false, { status: res.status });
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString('utf8');
}
