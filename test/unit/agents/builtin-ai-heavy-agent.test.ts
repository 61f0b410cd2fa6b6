// The ai_heavy builtin agent through execute() against a real local chat-completions server: model choice, retries, breaker, fallback.
import { AgentCallError, PermanentAgentError } from '../../../src/modules/agents/agent-errors';
import { createAiHeavyAgent, type AiHeavyOutput, type AiSettings } from '../../../src/agents/ai-heavy-agent';
import { fallbackScores } from '../../../src/agents/ai-heavy';
import { InvalidAgentInputError } from '../../../src/agents/invalid-agent-input-error';
import type { CandidateOrganization, GrantProfile } from '../../../src/agents/profile';
import { invocation } from './support/agent-invocation';
import { apiError, completion, startChatServer, type ChatServer } from './support/chat-completions-server';

const profile: GrantProfile = {
  name: 'Literacy grants 2025',
  organization: 'Arlington Literacy Council',
  mission: 'Adult and family literacy in Northern Virginia.',
  focus_areas: ['B60', 'B'],
  states: ['VA', 'MD'],
  revenue_min: 500_000,
  revenue_max: 50_000_000,
  ein: '012345678',
};

const candidates: CandidateOrganization[] = [
  { ein: '023456789', name: 'CHESAPEAKE BAY FOUNDATION INC', state: 'MD', ntee_code: 'C32', revenue_amount: 110_000_000 },
  { ein: '540000002', name: "ST. MARY'S SCHOOL", state: 'VA', ntee_code: 'B20', revenue_amount: 5_000_000 },
];

const goodReply = completion(
  JSON.stringify({
    scores: [
      { ein: '023456789', score: 35, rationale: 'Environmental focus.' },
      { ein: '540000002', score: 80, rationale: 'Education in VA.' },
    ],
  }),
  'server-model',
);

function settings(baseUrl: string | null, overrides: Partial<AiSettings> = {}): AiSettings {
  return { baseUrl, apiKey: 'sk-test', model: 'gpt-4o-mini', modelNext: 'gpt-5', timeoutSeconds: 5, ...overrides };
}

describe('ai_heavy agent', () => {
  let server: ChatServer;
  beforeEach(async () => {
    server = await startChatServer();
  });
  afterEach(async () => {
    await server.close();
  });

  const score = (agent: ReturnType<typeof createAiHeavyAgent>, input: unknown = { profile, candidates, user_id: 'u-1' }) =>
    agent.execute(invocation('ai_heavy', 'score', input)) as Promise<AiHeavyOutput>;

  it('scores with the model, best first, and reports the model that answered', async () => {
    server.replyWith(goodReply);
    const agent = createAiHeavyAgent({ ai: settings(server.baseUrl), isEnabled: () => false });
    const out = await score(agent);
    expect(out).toEqual({
      scores: [
        { ein: '540000002', name: "ST. MARY'S SCHOOL", score: 80, rationale: 'Education in VA.' },
        { ein: '023456789', name: 'CHESAPEAKE BAY FOUNDATION INC', score: 35, rationale: 'Environmental focus.' },
      ],
      model: 'server-model',
      degraded: false,
    });
    expect(server.requests[0]?.headers.authorization).toBe('Bearer sk-test');
  });

  it('asks for modelNext when the gpt5_analysis flag is on for the user, the base model otherwise', async () => {
    server.replyWith(goodReply);
    const asked: { flag: string; context: { user_id?: string } }[] = [];
    const agent = createAiHeavyAgent({
      ai: settings(server.baseUrl),
      isEnabled: (flag, context) => {
        asked.push({ flag, context });
        return context.user_id === 'beta-user';
      },
    });
    await score(agent, { profile, candidates, user_id: 'beta-user' });
    await score(agent, { profile, candidates, user_id: null });
    expect(server.requests.map((r) => (r.body as { model: string }).model)).toEqual(['gpt-5', 'gpt-4o-mini']);
    expect(asked).toEqual([
      { flag: 'gpt5_analysis', context: { user_id: 'beta-user' } },
      { flag: 'gpt5_analysis', context: {} },
    ]);
  });

  it('keeps the base model when the flag is on but no modelNext is configured', async () => {
    server.replyWith(goodReply);
    const agent = createAiHeavyAgent({ ai: settings(server.baseUrl, { modelNext: null }), isEnabled: () => true });
    await score(agent);
    expect((server.requests[0]?.body as { model: string }).model).toBe('gpt-4o-mini');
  });

  it('throws a 500 as a retryable error so the queue retries the task', async () => {
    server.replyWith(apiError(500, 'server_error', null, 'upstream exploded'));
    const agent = createAiHeavyAgent({ ai: settings(server.baseUrl), isEnabled: () => false });
    const error = await score(agent).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AgentCallError);
    expect(error).not.toBeInstanceOf(PermanentAgentError);
    expect((error as AgentCallError).retryable).toBe(true);
    expect((error as AgentCallError).details.status).toBe(500);
  });

  it('opens the breaker after 3 failures, falls back without calling, and recovers after 30 s', async () => {
    let clock = 1_000_000;
    const agent = createAiHeavyAgent({ ai: settings(server.baseUrl), isEnabled: () => false, now: () => clock });
    server.replyWith(apiError(503, 'overloaded', null, 'try later'));
    for (let i = 0; i < 3; i++) {
      await expect(score(agent)).rejects.toMatchObject({ retryable: true });
    }
    const degraded = await score(agent);
    expect(server.requests).toHaveLength(3);
    expect(degraded.degraded).toBe(true);
    expect(degraded.degraded_reason).toBe('circuit_open');
    expect(degraded.model).toBeNull();
    expect(degraded.scores.map((s) => [s.ein, s.score])).toEqual(fallbackScores(profile, candidates).scores.map((s) => [s.ein, s.score]));

    clock += 29_000;
    await expect(score(agent)).resolves.toMatchObject({ degraded: true, degraded_reason: 'circuit_open' });
    expect(server.requests).toHaveLength(3);

    clock += 1_000;
    server.replyWith(goodReply);
    await expect(score(agent)).resolves.toMatchObject({ degraded: false, model: 'server-model' });
    expect(server.requests).toHaveLength(4);
  });

  it('does not count a rejected request against the breaker and falls back for it', async () => {
    server.replyWith(apiError(401, 'invalid_request_error', 'invalid_api_key', 'bad key'));
    const agent = createAiHeavyAgent({ ai: settings(server.baseUrl), isEnabled: () => false });
    for (let i = 0; i < 4; i++) {
      await expect(score(agent)).resolves.toMatchObject({ degraded: true, degraded_reason: 'model_request_rejected' });
    }
    expect(server.requests).toHaveLength(4);
  });

  it('falls back when the model answers with unusable scores', async () => {
    server.replyWith(completion('Sure! Here are the scores: ...'));
    const agent = createAiHeavyAgent({ ai: settings(server.baseUrl), isEnabled: () => false });
    const out = await score(agent);
    expect(out).toMatchObject({ degraded: true, degraded_reason: 'invalid_model_output', model: null });
    expect(out.scores.map((s) => s.ein)).toEqual(['540000002', '023456789']);
  });

  it('falls back without any request when no baseUrl is configured', async () => {
    const agent = createAiHeavyAgent({ ai: settings(null), isEnabled: () => true });
    const out = await score(agent);
    const expected = fallbackScores(profile, candidates).scores.map(({ ein, name, score: s, rationale }) => ({ ein, name, score: s, rationale }));
    expect(out).toEqual({ scores: expected, model: null, degraded: true, degraded_reason: 'no_ai_endpoint' });
    expect(server.requests).toHaveLength(0);
  });

  it('splits large candidate lists into batches and merges the scores', async () => {
    const many = Array.from({ length: 5 }, (_, i) => ({ ein: `10000000${i}`, name: `ORG ${i}` }));
    const reply = (eins: string[]) => completion(JSON.stringify({ scores: eins.map((ein, i) => ({ ein, score: 10 * (i + 1), rationale: 'r' })) }));
    server.replyWith(reply(['100000000', '100000001']), reply(['100000002', '100000003']), reply(['100000004']));
    const agent = createAiHeavyAgent({ ai: settings(server.baseUrl), isEnabled: () => false, batchSize: 2 });
    const out = await score(agent, { profile, candidates: many });
    expect(server.requests).toHaveLength(3);
    expect(out.scores.map((s) => [s.ein, s.score])).toEqual([
      ['100000001', 20],
      ['100000003', 20],
      ['100000000', 10],
      ['100000002', 10],
      ['100000004', 10],
    ]);
  });

  it('rejects bad input permanently', async () => {
    const agent = createAiHeavyAgent({ ai: settings(server.baseUrl), isEnabled: () => false });
    const error = await score(agent, { profile: { ...profile, mission: 7 }, candidates: [{ ein: '', name: 'x' }] }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidAgentInputError);
    expect((error as InvalidAgentInputError).problems.join('\n')).toMatch(/profile\.mission[\s\S]*candidates\.0\.ein/);
    expect(server.requests).toHaveLength(0);
  });
});
