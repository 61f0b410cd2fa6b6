// Runs the standard and current tiers by hand: workflows/*.json step inputs resolved from real agent outputs and fed to the next agents.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { builtinAgents } from '../../../src/agents/builtin-agents';
import { AgentConfigSchema } from '../../../src/modules/agents/agent-schemas';
import type { BuiltinAgent } from '../../../src/modules/agents/builtin-agent';
import type { Platform } from '../../../src/processes/platform';
import type { GrantProfile } from '../../../src/agents/profile';
import type { BmfFilterResult } from '../../../src/agents/bmf-filter';
import type { NetworkAnalysis } from '../../../src/agents/network-analyzer';
import type { AiHeavyOutput } from '../../../src/agents/ai-heavy-agent';
import { invocation } from './support/agent-invocation';
import { completion, startChatServer, type ChatServer } from './support/chat-completions-server';
import { resolveTemplate } from './support/resolve-template';

const root = join(__dirname, '..', '..', '..');

interface AgentStep {
  id: string;
  agent_id: string;
  action: string;
  input: unknown;
  timeout_seconds: number;
}
interface WorkflowFile {
  id: string;
  /** Agent steps, or parallel groups of them (whose branches read only what came before the group). */
  steps: (AgentStep | { id: string; parallel: AgentStep[] })[];
}

function loadTier(name: string): WorkflowFile {
  return JSON.parse(readFileSync(join(root, 'workflows', `${name}.json`), 'utf8')) as WorkflowFile;
}

// Only config.domain is read by builtinAgents; the rest of the platform is not needed here.
function platformWith(ai: { baseUrl: string | null; modelNext: string | null }): Platform {
  const domain = {
    bmfDataPath: join(root, 'data-samples', 'bmf', 'eo_sample.csv'),
    boardMembersPath: join(root, 'data-samples', 'board-members.json'),
    ai: { baseUrl: ai.baseUrl, apiKey: null, model: 'gpt-4o-mini', modelNext: ai.modelNext, timeoutSeconds: 5 },
  };
  return { config: { domain } } as unknown as Platform;
}

/**
 * Runs each step in order, like the workflow engine: resolve the step input, call the agent, keep
 * its output. A parallel group's branches run one after another here: none reads another's output.
 */
async function runTier(tier: WorkflowFile, agents: BuiltinAgent[], input: unknown): Promise<Record<string, unknown>> {
  const byId = new Map(agents.map((a) => [a.config.id, a]));
  const steps: Record<string, { output: unknown }> = {};
  for (const step of tier.steps.flatMap((s) => ('parallel' in s ? s.parallel : [s]))) {
    const agent = byId.get(step.agent_id);
    if (!agent) throw new Error(`no builtin ${step.agent_id}`);
    const stepInput = resolveTemplate(step.input, { input, steps });
    steps[step.id] = { output: await agent.execute(invocation(step.agent_id, step.action, stepInput)) };
  }
  return Object.fromEntries(Object.entries(steps).map(([id, s]) => [id, s.output]));
}

// Mid-Atlantic education/health/human-services profile without an EIN, so `profile_ein` resolves to null.
const profile: GrantProfile & { id: string; version: number } = {
  id: 'prof-1',
  version: 3,
  name: 'Mid-Atlantic prospects',
  organization: 'Example Council',
  mission: 'Education and health access in the Mid-Atlantic.',
  focus_areas: ['B', 'E', 'P', 'T'],
  states: ['VA', 'MD', 'DC'],
  revenue_min: null,
  revenue_max: null,
  ein: null,
};

describe('grant-research tiers run by hand through the builtin agents', () => {
  let server: ChatServer;
  beforeEach(async () => {
    server = await startChatServer();
  });
  afterEach(async () => {
    await server.close();
  });

  it('registers echo and the three grant-research agents with valid configs', () => {
    const agents = builtinAgents(platformWith({ baseUrl: null, modelNext: null }));
    expect(agents.map((a) => a.config.id)).toEqual(['echo', 'bmf_filter', 'network_analyzer', 'ai_heavy']);
    for (const a of agents) expect(AgentConfigSchema.safeParse(a.config).success).toBe(true);
  });

  it('standard tier: filter output feeds network analysis and model scoring', async () => {
    const agents = builtinAgents(platformWith({ baseUrl: server.baseUrl, modelNext: 'gpt-5' }), {
      isEnabled: (flag, ctx) => flag === 'gpt5_analysis' && ctx.user_id === 'u-42',
    });
    // The model echoes back a score for every candidate it was sent.
    let filterEins: string[] = [];
    const out = await (async () => {
      const tier = loadTier('standard');
      const first = await runTier({ ...tier, steps: tier.steps.slice(0, 1) }, agents, { profile, user_id: 'u-42' });
      filterEins = (first.filter as BmfFilterResult).organizations.map((o) => o.ein);
      server.replyWith(
        completion(JSON.stringify({ scores: filterEins.map((ein, i) => ({ ein, score: 100 - i, rationale: 'fits' })) }), 'gpt-5'),
      );
      return runTier(tier, agents, { profile, user_id: 'u-42' });
    })();

    const filter = out.filter as BmfFilterResult;
    expect(filter.organizations.length).toBeGreaterThan(1);
    expect(filter.organizations.length).toBeLessThanOrEqual(25);
    expect(filter.organizations.every((o) => ['VA', 'MD', 'DC'].includes(o.state))).toBe(true);

    const network = out.network as NetworkAnalysis;
    expect(network.paths).toBeNull(); // profile.ein is null
    expect(network.organizations.map((o) => o.ein).sort()).toEqual([...filterEins].sort());

    const scored = out.score as AiHeavyOutput;
    expect(scored.degraded).toBe(false);
    expect(scored.scores.map((s) => s.ein)).toEqual(filterEins);
    const request = server.requests.at(-1)?.body as { model: string; messages: { content: string }[] };
    expect(request.model).toBe('gpt-5');
    const sent = JSON.parse(request.messages[1]?.content ?? '{}') as { candidates: { ein: string }[] };
    expect(sent.candidates.map((c) => c.ein)).toEqual(filterEins);
  });

  it('standard tier with a profile EIN computes paths; current tier without an endpoint degrades to fallback', async () => {
    const agents = builtinAgents(platformWith({ baseUrl: null, modelNext: null }));
    const withEin = { ...profile, ein: '021367865' };
    const standard = await runTier(loadTier('standard'), agents, { profile: withEin });
    expect((standard.network as NetworkAnalysis).paths).not.toBeNull();

    const current = await runTier(loadTier('current'), agents, { profile });
    expect(Object.keys(current)).toEqual(['filter', 'score']);
    const scored = current.score as AiHeavyOutput;
    expect(scored).toMatchObject({ degraded: true, degraded_reason: 'no_ai_endpoint', model: null });
    expect(scored.scores.map((s) => s.ein).sort()).toEqual((current.filter as BmfFilterResult).organizations.map((o) => o.ein).sort());
    expect(server.requests).toHaveLength(0);
  });
});
