// The agent runtime's builtin path: what a builtin handler is given, and how its failures reach the worker.

import { Writable } from 'node:stream';
import { createLogger } from '../../../src/platform/logger';
import type { Agent } from '../../../src/modules/agents/agent';
import { PermanentAgentError } from '../../../src/modules/agents/agent-errors';
import { createAgentRuntime, type AgentTask } from '../../../src/modules/agents/agent-runtime';
import type { AgentInvocation, BuiltinAgent } from '../../../src/modules/agents/builtin-agent';

const logger = createLogger({ level: 'error', processType: 'test', stream: new Writable({ write: (_c, _e, done) => done() }) }).logger;

const agent = (id: string): Agent => ({
  id,
  name: id,
  capabilities: [],
  endpoint: `builtin://${id}`,
  version: '1.0.0',
  health_check_url: '',
  metadata: {},
  runtime: 'builtin',
  status: 'healthy',
  health_message: null,
  last_heartbeat_at: null,
  last_health_check_at: null,
  created_at: 0,
  updated_at: 0,
});

const task: AgentTask = { id: 't-1', agent_id: 'probe', action: 'run', input: { n: 1 }, attempts: 2, correlation_id: 'c-1' };

function builtin(id: string, execute: BuiltinAgent['execute']): BuiltinAgent {
  return { config: { id, name: id, capabilities: [], endpoint: `builtin://${id}`, version: '1.0.0', health_check_url: '', metadata: {} }, execute };
}

describe('agent runtime, builtin agents', () => {
  it('passes the task to the handler, with the abort signal of the attempt', async () => {
    let seen: AgentInvocation | undefined;
    const controller = new AbortController();
    const runtime = createAgentRuntime({
      logger,
      builtins: new Map([
        [
          'probe',
          builtin('probe', async (call) => {
            seen = call;
            return { doubled: (call.input as { n: number }).n * 2 };
          }),
        ],
      ]),
    });
    await expect(runtime.execute(agent('probe'), task, controller)).resolves.toEqual({ doubled: 2 });
    expect(seen).toMatchObject({ taskId: 't-1', agentId: 'probe', action: 'run', input: { n: 1 }, attempt: 2, correlationId: 'c-1' });
    expect(seen!.signal).toBe(controller.signal);
    expect(seen!.signal.aborted).toBe(false);
    controller.abort(new Error('stop'));
    expect(seen!.signal.aborted).toBe(true);
  });

  it('turns a handler that throws before returning its promise into a rejected call', async () => {
    const runtime = createAgentRuntime({
      logger,
      builtins: new Map([
        [
          'sync-thrower',
          builtin('sync-thrower', () => {
            throw new PermanentAgentError('bad input');
          }),
        ],
      ]),
    });
    const call = runtime.execute(agent('sync-thrower'), task, new AbortController());
    await expect(call).rejects.toBeInstanceOf(PermanentAgentError);
  });

  it('rejects, as a permanent failure, a builtin this process does not have', async () => {
    const runtime = createAgentRuntime({ logger, builtins: new Map() });
    await expect(runtime.execute(agent('elsewhere'), task, new AbortController())).rejects.toThrow(/not available in this worker/);
  });
});
