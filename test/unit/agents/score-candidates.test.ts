// scoreCandidates end to end against a local chat-completions server: prompt, strict parsing, error types.
import {
  ChatCompletionError,
  createChatCompletionsClient,
  InvalidModelOutputError,
  scoreCandidates,
} from '../../../src/agents/ai-heavy';
import type { CandidateOrganization, GrantProfile } from '../../../src/agents/profile';
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
  { ein: '540000013', name: 'SMITH, JONES & PARTNERS TRUST', state: 'VA', ntee_code: 'T22', revenue_amount: 750_000 },
  { ein: '520000004', name: 'HARTWELL "FAMILY" FOUNDATION', state: 'MD', ntee_code: 'T20', revenue_amount: 3_000_000 },
];

const goodScores = {
  scores: [
    { ein: '023456789', score: 20, rationale: 'Environmental focus.' },
    { ein: '540000013', score: 120, rationale: ' Funds literacy in VA. ' },
    { ein: '520000004', score: -5, rationale: 'Unrelated.' },
  ],
};

describe('scoreCandidates', () => {
  let server: ChatServer;
  beforeEach(async () => {
    server = await startChatServer();
  });
  afterEach(async () => {
    await server.close();
  });

  const run = (model = 'qwen2.5-7b-instruct') =>
    scoreCandidates({
      profile,
      candidates,
      model,
      client: createChatCompletionsClient({ baseUrl: server.baseUrl, apiKey: 'lm-studio', timeoutMs: 5000 }),
    });

  async function invalidOutput(): Promise<InvalidModelOutputError> {
    const err = await run().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(InvalidModelOutputError);
    return err as InvalidModelOutputError;
  }

  it('asks the requested model for JSON about exactly these candidates', async () => {
    server.replyWith(completion(JSON.stringify(goodScores), 'qwen2.5-7b-instruct'));
    await run();
    const body = server.requests[0]?.body as {
      model: string;
      temperature: number;
      response_format: unknown;
      messages: { role: string; content: string }[];
    };
    expect(server.requests[0]?.headers.authorization).toBe('Bearer lm-studio');
    expect(body.model).toBe('qwen2.5-7b-instruct');
    expect(body.temperature).toBe(0);
    expect(body.response_format).toEqual({ type: 'json_object' });
    expect(body.messages.map((m) => m.role)).toEqual(['system', 'user']);
    expect(body.messages[0]?.content).toContain('{"scores": [{"ein"');
    const data = JSON.parse(body.messages[1]?.content ?? '') as { profile: { focus_areas: string[] }; candidates: { ein: string; name: string }[] };
    expect(data.profile.focus_areas).toEqual(['B60', 'B']);
    expect(data.candidates.map((c) => c.ein)).toEqual(['023456789', '540000013', '520000004']);
    expect(data.candidates[2]?.name).toBe('HARTWELL "FAMILY" FOUNDATION');
  });

  it('returns clamped scores, best first, with candidate names and the answering model', async () => {
    server.replyWith(completion(JSON.stringify(goodScores), 'qwen2.5-7b-instruct-q4_k_m'));
    expect(await run('qwen2.5-7b-instruct')).toEqual({
      scores: [
        { ein: '540000013', name: 'SMITH, JONES & PARTNERS TRUST', score: 100, rationale: 'Funds literacy in VA.' },
        { ein: '023456789', name: 'CHESAPEAKE BAY FOUNDATION INC', score: 20, rationale: 'Environmental focus.' },
        { ein: '520000004', name: 'HARTWELL "FAMILY" FOUNDATION', score: 0, rationale: 'Unrelated.' },
      ],
      model: 'qwen2.5-7b-instruct-q4_k_m',
      degraded: false,
    });
  });

  it('restores leading zeros when the model writes an EIN as a number', async () => {
    const zeroCandidates: CandidateOrganization[] = [{ ein: '012345678', name: 'ZERO FUND' }];
    server.replyWith(completion('{"scores": [{"ein": 12345678, "score": 55, "rationale": "ok"}]}'));
    const result = await scoreCandidates({
      profile,
      candidates: zeroCandidates,
      model: 'm',
      client: createChatCompletionsClient({ baseUrl: server.baseUrl, timeoutMs: 5000 }),
    });
    expect(result.scores).toEqual([{ ein: '012345678', name: 'ZERO FUND', score: 55, rationale: 'ok' }]);
  });

  it('rejects a reply that is not JSON, with the raw content kept for the logs', async () => {
    server.replyWith(completion('Sure! Here are the scores: 540000013 is a great fit.'));
    const err = await invalidOutput();
    expect(err.retryable).toBe(false);
    expect(err.problems[0]).toMatch(/not valid JSON/);
    expect(err.content).toContain('Here are the scores');
  });

  it('rejects JSON wrapped in a markdown code fence (strict parsing)', async () => {
    server.replyWith(completion('```json\n' + JSON.stringify(goodScores) + '\n```'));
    expect((await invalidOutput()).problems[0]).toMatch(/not valid JSON/);
  });

  it('rejects a reply that leaves candidates out, naming them', async () => {
    server.replyWith(completion(JSON.stringify({ scores: goodScores.scores.slice(0, 1) })));
    const err = await invalidOutput();
    expect(err.problems).toEqual(['no score for 2 candidate(s): 540000013, 520000004']);
  });

  it('rejects unknown EINs, duplicates, non-numeric scores and a missing rationale, listing each', async () => {
    server.replyWith(
      completion(
        JSON.stringify({
          scores: [
            { ein: '023456789', score: '80', rationale: 'string score' },
            { ein: '540000013', score: 70, rationale: 'fine' },
            { ein: '540000013', score: 71, rationale: 'again' },
            { ein: '520000004', score: 10 },
            { ein: '999999999', score: 90, rationale: 'invented' },
          ],
        }),
      ),
    );
    const err = await invalidOutput();
    expect(err.problems).toEqual([
      'scores[0].score for 023456789 is not a number',
      'ein 540000013 is scored more than once',
      'scores[3].rationale for 520000004 is not a string',
      'scores[4].ein 999999999 is not one of the candidates',
      'no score for 2 candidate(s): 023456789, 520000004',
    ]);
  });

  it('rejects an object without a scores array and an empty reply', async () => {
    server.replyWith(completion('{"results": []}'), completion(null));
    expect((await invalidOutput()).problems).toEqual(['the reply is not an object with a "scores" array']);
    expect((await invalidOutput()).problems).toEqual(['the reply has no content']);
  });

  it('says when the reply was cut off at the token limit', async () => {
    server.replyWith(completion('{"scores": [{"ein": "0234', 'm', 'length'));
    const err = await invalidOutput();
    expect(err.problems[0]).toMatch(/cut off.*finish_reason=length/);
  });

  it('passes HTTP failures through as ChatCompletionError for the caller to retry or fall back', async () => {
    server.replyWith(apiError(503, 'server_error', null, 'Model is loading'));
    const err = await run().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ChatCompletionError);
    expect(err).toMatchObject({ status: 503, retryable: true });
  });

  it('makes no call when there are no candidates', async () => {
    const result = await scoreCandidates({
      profile,
      candidates: [],
      model: 'm',
      client: createChatCompletionsClient({ baseUrl: server.baseUrl, timeoutMs: 5000 }),
    });
    expect(result).toEqual({ scores: [], model: 'm', degraded: false });
    expect(server.requests).toHaveLength(0);
  });
});
