// Keeps an agent known to Catalynx: registers it (retrying with backoff until a deadline), then
// sends a heartbeat every interval. A failed heartbeat is logged and the next one tried; a 404
// (the agent was removed, or the database reset) registers it again.

import { CatalynxApiError, type CatalynxClient } from '../client';
import type { AgentLogger } from './agent-logger';
import type { AgentDefinition } from './define-agent';
import { RegistrationError } from './registration-error';

export interface AgentPresenceOptions {
  agent: AgentDefinition;
  client: CatalynxClient;
  endpoint: string;
  healthCheckUrl: string;
  heartbeatIntervalMs: number;
  registerTimeoutMs: number;
  logger: AgentLogger;
}

export interface AgentPresence {
  /** Registers the agent; rejects with RegistrationError once registerTimeoutMs passes without success. */
  register(): Promise<void>;
  startHeartbeats(): void;
  stop(): void;
}

/** 401/403/400/409 will not change by retrying: the key or the definition is wrong. */
const isFinalRefusal = (err: unknown) => err instanceof CatalynxApiError && [400, 401, 403, 409].includes(err.status);

export function createAgentPresence(opts: AgentPresenceOptions): AgentPresence {
  const { agent, client, logger } = opts;
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  const stopping = new AbortController();

  const registerOnce = () =>
    client.agents.register({
      id: agent.id,
      name: agent.name,
      version: agent.version,
      capabilities: [...agent.capabilities],
      endpoint: opts.endpoint,
      health_check_url: opts.healthCheckUrl,
      metadata: { ...agent.metadata },
    });

  async function register(): Promise<void> {
    const deadline = Date.now() + opts.registerTimeoutMs;
    for (let attempt = 1, delayMs = 100; ; attempt++, delayMs = Math.min(delayMs * 2, 5_000)) {
      try {
        const { created } = await registerOnce();
        logger.info(created ? 'agent registered' : 'agent registration updated', { agent_id: agent.id, endpoint: opts.endpoint });
        return;
      } catch (err) {
        const message = (err as Error).message;
        if (isFinalRefusal(err) || stopped || Date.now() + delayMs > deadline) {
          throw new RegistrationError(`cannot register agent "${agent.id}" with Catalynx at ${client.baseUrl} (attempt ${attempt}): ${message}`, err);
        }
        logger.warn('agent registration failed; retrying', { agent_id: agent.id, attempt, error: message });
        await new Promise<void>((resolve) => {
          const t = setTimeout(resolve, delayMs);
          stopping.signal.addEventListener('abort', () => (clearTimeout(t), resolve()), { once: true });
        });
      }
    }
  }

  async function beat(): Promise<void> {
    try {
      await client.agents.heartbeat(agent.id);
    } catch (err) {
      if (stopped) return;
      if (err instanceof CatalynxApiError && err.status === 404) {
        logger.warn('agent unknown to Catalynx; registering again', { agent_id: agent.id });
        await registerOnce().catch((e: unknown) => logger.warn('re-registration failed', { agent_id: agent.id, error: (e as Error).message }));
        return;
      }
      logger.warn('heartbeat failed', { agent_id: agent.id, error: (err as Error).message });
    }
  }

  function schedule(): void {
    if (stopped) return;
    timer = setTimeout(() => void beat().finally(schedule), opts.heartbeatIntervalMs);
    // Heartbeats alone never keep the process alive; the server does.
    timer.unref();
  }

  return {
    register,
    startHeartbeats: schedule,
    stop() {
      stopped = true;
      stopping.abort();
      if (timer) clearTimeout(timer);
    },
  };
}
