// createChatCompletionsClient against a real local HTTP server: request format, responses, error classification.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ChatCompletionError, createChatCompletionsClient } from '../../../src/agents/ai-heavy';
import { apiError, completion, startChatServer, type ChatServer } from './support/chat-completions-server';

describe('chat-completions client', () => {
  let server: ChatServer;
  beforeEach(async () => {
    server = await startChatServer();
  });
  afterEach(async () => {
    await server.close();
  });

  const messages = [
    { role: 'system' as const, content: 'Reply in JSON.' },
    { role: 'user' as const, content: 'Score these.' },
  ];

  async function failure(promise: Promise<unknown>): Promise<ChatCompletionError> {
    const err = await promise.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(ChatCompletionError);
    return err as ChatCompletionError;
  }

  it('POSTs the OpenAI request body with a bearer token and returns the parsed completion', async () => {
    server.replyWith(completion('{"ok": true}', 'llama-3.1-8b-instruct'));
    const client = createChatCompletionsClient({ baseUrl: server.baseUrl, apiKey: 'sk-test-123', timeoutMs: 5000 });
    const result = await client.complete({ model: 'llama-3.1-8b-instruct', messages, temperature: 0.2, response_format: { type: 'json_object' } });

    expect(server.requests).toHaveLength(1);
    const [req] = server.requests;
    expect(req?.method).toBe('POST');
    expect(req?.url).toBe('/v1/chat/completions');
    expect(req?.headers.authorization).toBe('Bearer sk-test-123');
    expect(req?.headers['content-type']).toBe('application/json');
    expect(req?.body).toEqual({
      model: 'llama-3.1-8b-instruct',
      messages,
      temperature: 0.2,
      response_format: { type: 'json_object' },
    });
    expect(result).toEqual({
      id: 'chatcmpl-test-1',
      object: 'chat.completion',
      created: 1717200000,
      model: 'llama-3.1-8b-instruct',
      choices: [{ index: 0, message: { role: 'assistant', content: '{"ok": true}' }, finish_reason: 'stop' }],
      usage: { prompt_tokens: 120, completion_tokens: 40, total_tokens: 160 },
    });
  });

  it('sends no Authorization header without an API key and tolerates a trailing slash in baseUrl', async () => {
    const client = createChatCompletionsClient({ baseUrl: `${server.baseUrl}/`, timeoutMs: 5000 });
    await client.complete({ model: 'm', messages });
    expect(server.requests[0]?.url).toBe('/v1/chat/completions');
    expect(server.requests[0]?.headers.authorization).toBeUndefined();
  });

  it('turns a 500 with an error body into a retryable error carrying the server fields', async () => {
    server.replyWith(apiError(500, 'server_error', 'model_crashed', 'The model runner exited unexpectedly'));
    const client = createChatCompletionsClient({ baseUrl: server.baseUrl, timeoutMs: 5000 });
    const err = await failure(client.complete({ model: 'm', messages }));
    expect(err).toMatchObject({ kind: 'http', status: 500, type: 'server_error', code: 'model_crashed', retryable: true });
    expect(err.message).toContain('The model runner exited unexpectedly');
  });

  it('marks 429 retryable and passes on Retry-After', async () => {
    server.replyWith(apiError(429, 'rate_limit_error', 'rate_limit_exceeded', 'Rate limit reached', { 'retry-after': '2' }));
    const client = createChatCompletionsClient({ baseUrl: server.baseUrl, timeoutMs: 5000 });
    const err = await failure(client.complete({ model: 'm', messages }));
    expect(err).toMatchObject({ status: 429, code: 'rate_limit_exceeded', retryable: true, retryAfterMs: 2000 });
  });

  it('marks 401 not retryable', async () => {
    server.replyWith(apiError(401, 'invalid_request_error', 'invalid_api_key', 'Incorrect API key provided'));
    const client = createChatCompletionsClient({ baseUrl: server.baseUrl, apiKey: 'wrong', timeoutMs: 5000 });
    const err = await failure(client.complete({ model: 'm', messages }));
    expect(err).toMatchObject({ kind: 'http', status: 401, type: 'invalid_request_error', code: 'invalid_api_key', retryable: false });
  });

  it.each([
    [400, false],
    [403, false],
    [404, false],
    [422, false],
    [408, true],
    [409, true],
    [502, true],
    [503, true],
  ])('classifies HTTP %i as retryable=%s', async (status, retryable) => {
    server.replyWith(apiError(status, 'some_error', null, `status ${status}`));
    const client = createChatCompletionsClient({ baseUrl: server.baseUrl, timeoutMs: 5000 });
    const err = await failure(client.complete({ model: 'm', messages }));
    expect(err.status).toBe(status);
    expect(err.retryable).toBe(retryable);
  });

  it('reads the {"error": "text"} shape some local servers send', async () => {
    server.replyWith({ status: 404, json: { error: 'Model "nope" not found' } });
    const client = createChatCompletionsClient({ baseUrl: server.baseUrl, timeoutMs: 5000 });
    const err = await failure(client.complete({ model: 'nope', messages }));
    expect(err).toMatchObject({ status: 404, type: null, retryable: false });
    expect(err.message).toContain('Model "nope" not found');
  });

  it('keeps a non-JSON error page as the message (a proxy in front of the model)', async () => {
    server.replyWith({ status: 502, text: '<html><body>Bad Gateway</body></html>' });
    const client = createChatCompletionsClient({ baseUrl: server.baseUrl, timeoutMs: 5000 });
    const err = await failure(client.complete({ model: 'm', messages }));
    expect(err).toMatchObject({ kind: 'http', status: 502, type: null, retryable: true });
    expect(err.message).toContain('Bad Gateway');
  });

  it('rejects a 200 that is not a chat completion as invalid_response, not retryable', async () => {
    server.replyWith({ status: 200, text: '<html>LM Studio</html>' });
    const client = createChatCompletionsClient({ baseUrl: server.baseUrl, timeoutMs: 5000 });
    const err = await failure(client.complete({ model: 'm', messages }));
    expect(err).toMatchObject({ kind: 'invalid_response', status: 200, retryable: false });
  });

  it('gives up after timeoutMs when the server does not answer, as a retryable timeout', async () => {
    server.replyWith({ hang: true });
    const client = createChatCompletionsClient({ baseUrl: server.baseUrl, timeoutMs: 150 });
    const err = await failure(client.complete({ model: 'm', messages }));
    expect(err).toMatchObject({ kind: 'timeout', status: null, retryable: true });
    expect(server.requests).toHaveLength(1);
  });

  it('times out a response whose body stops arriving after the headers', async () => {
    server.replyWith({ stallAfter: '{"id": "chatcmpl-1", "choices": [' });
    const client = createChatCompletionsClient({ baseUrl: server.baseUrl, timeoutMs: 150 });
    const err = await failure(client.complete({ model: 'm', messages }));
    expect(err).toMatchObject({ kind: 'timeout', retryable: true });
  });

  it('reports a refused connection as a retryable network error', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const { port } = closed.address() as AddressInfo;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const client = createChatCompletionsClient({ baseUrl: `http://127.0.0.1:${port}/v1`, timeoutMs: 5000 });
    const err = await failure(client.complete({ model: 'm', messages }));
    expect(err).toMatchObject({ kind: 'network', status: null, retryable: true });
  });

  it("rethrows the caller's abort reason unchanged when cancelled mid-request", async () => {
    server.replyWith({ hang: true });
    const client = createChatCompletionsClient({ baseUrl: server.baseUrl, timeoutMs: 30_000 });
    const controller = new AbortController();
    const reason = new Error('job cancelled');
    const call = client.complete({ model: 'm', messages, signal: controller.signal });
    const outcome = call.then(
      () => 'resolved',
      (e: unknown) => e,
    );
    await server.received(1);
    controller.abort(reason);
    expect(await outcome).toBe(reason);
  });

  it('does not send anything when the signal is already aborted', async () => {
    const client = createChatCompletionsClient({ baseUrl: server.baseUrl, timeoutMs: 5000 });
    const controller = new AbortController();
    controller.abort(new Error('too late'));
    await expect(client.complete({ model: 'm', messages, signal: controller.signal })).rejects.toThrow('too late');
    expect(server.requests).toHaveLength(0);
  });

  it('refuses a non-positive timeout or a malformed baseUrl at creation', () => {
    expect(() => createChatCompletionsClient({ baseUrl: server.baseUrl, timeoutMs: 0 })).toThrow(RangeError);
    expect(() => createChatCompletionsClient({ baseUrl: '127.0.0.1:1234/v1', timeoutMs: 1000 })).toThrow(RangeError);
  });
});
