// A real HTTP server on 127.0.0.1 that speaks the OpenAI chat-completions wire format, for client tests.
import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RecordedRequest {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  /** Parsed JSON body (undefined when the body was not JSON). */
  body: unknown;
}

/** What the server does with the next request: answer, or hold the connection open. */
export type Reply =
  | { status: number; json?: unknown; text?: string; headers?: Record<string, string> }
  | { hang: true }
  /** Sends the status line, headers and the start of the body, then stalls. */
  | { stallAfter: string };

export interface ChatServer {
  /** e.g. http://127.0.0.1:43123/v1 */
  baseUrl: string;
  requests: RecordedRequest[];
  /** Replies used in order, one per request; the last one repeats. */
  replyWith(...replies: Reply[]): void;
  /** Resolves when the server has received `count` requests in total. */
  received(count: number): Promise<void>;
  close(): Promise<void>;
}

/** A successful completion whose message content is `content`. */
export function completion(content: string | null, model = 'test-model', finishReason = 'stop'): Reply {
  return {
    status: 200,
    json: {
      id: 'chatcmpl-test-1',
      object: 'chat.completion',
      created: 1717200000,
      model,
      choices: [{ index: 0, message: { role: 'assistant', content }, finish_reason: finishReason }],
      usage: { prompt_tokens: 120, completion_tokens: 40, total_tokens: 160 },
    },
  };
}

/** An error in OpenAI's shape: {"error": {"message", "type", "param", "code"}}. */
export function apiError(status: number, type: string, code: string | null, message: string, headers?: Record<string, string>): Reply {
  return { status, json: { error: { message, type, param: null, code } }, headers };
}

export async function startChatServer(): Promise<ChatServer> {
  const requests: RecordedRequest[] = [];
  let replies: Reply[] = [completion('{"scores": []}')];
  const waiters: { count: number; resolve: () => void }[] = [];
  const held: ServerResponse[] = [];

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      let body: unknown;
      try {
        body = JSON.parse(raw);
      } catch {
        body = undefined;
      }
      requests.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });
      for (const w of waiters.filter((w) => requests.length >= w.count)) w.resolve();
      const reply = (replies.length > 1 ? replies.shift() : replies[0]) as Reply;
      if ('hang' in reply) {
        held.push(res);
        return;
      }
      if ('stallAfter' in reply) {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.write(reply.stallAfter);
        held.push(res);
        return;
      }
      const payload = reply.json !== undefined ? JSON.stringify(reply.json) : (reply.text ?? '');
      res.writeHead(reply.status, {
        'content-type': reply.json !== undefined ? 'application/json' : 'text/html',
        ...reply.headers,
      });
      res.end(payload);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    baseUrl: `http://127.0.0.1:${port}/v1`,
    requests,
    replyWith(...next: Reply[]) {
      replies = next;
    },
    received(count: number) {
      if (requests.length >= count) return Promise.resolve();
      return new Promise((resolve) => waiters.push({ count, resolve }));
    },
    async close() {
      for (const res of held) res.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
