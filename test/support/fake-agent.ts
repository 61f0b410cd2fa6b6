// A real HTTP agent server for tests: records every call, detects overlapping attempts of one task,
// and answers as the test tells it (status, delay, body, hang, close).

import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface AgentCall {
  task_id: string;
  agent_id: string;
  action: string;
  input: unknown;
  attempt: number;
  headers: Record<string, string | string[] | undefined>;
  at: number;
}

export type Behaviour =
  | { kind: 'ok'; delayMs?: number; result?: unknown }
  | { kind: 'status'; status: number; delayMs?: number; body?: string }
  | { kind: 'hang' }
  | { kind: 'close' }
  | { kind: 'not-json' };

export interface FakeAgent {
  url: string;
  endpoint: string;
  healthUrl: string;
  calls: AgentCall[];
  /** Pairs of attempts of the same task that were in progress at the same time. */
  overlaps: string[];
  /** Calls in progress now, and the most there were at once since the agent started. */
  inFlight(): number;
  maxInFlight(): number;
  behave(fn: (call: AgentCall) => Behaviour): void;
  setHealthy(healthy: boolean): void;
  close(): Promise<void>;
}

export async function startFakeAgent(): Promise<FakeAgent> {
  const calls: AgentCall[] = [];
  const overlaps: string[] = [];
  const inProgress = new Map<string, number>();
  let inFlight = 0;
  let maxInFlight = 0;
  let behaviour: (call: AgentCall) => Behaviour = () => ({ kind: 'ok' });
  let healthy = true;
  const open = new Set<ServerResponse>();

  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    if (req.method === 'GET' && req.url === '/health') {
      res.writeHead(healthy ? 200 : 503).end(healthy ? 'ok' : 'down');
      return;
    }
    let raw = '';
    req.setEncoding('utf8');
    req.on('data', (c: string) => (raw += c));
    req.on('end', () => {
      const body = JSON.parse(raw) as Omit<AgentCall, 'headers' | 'at'>;
      const call: AgentCall = { ...body, headers: req.headers, at: Date.now() };
      calls.push(call);
      const n = (inProgress.get(call.task_id) ?? 0) + 1;
      if (n > 1) overlaps.push(call.task_id);
      inProgress.set(call.task_id, n);
      inFlight += 1;
      maxInFlight = Math.max(maxInFlight, inFlight);
      const finish = () => {
        inFlight -= 1;
        inProgress.set(call.task_id, (inProgress.get(call.task_id) ?? 1) - 1);
      };
      const b = behaviour(call);
      open.add(res);
      res.on('close', () => {
        open.delete(res);
        finish();
      });
      const respond = () => {
        switch (b.kind) {
          case 'ok':
            res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(b.result ?? { ok: true, task_id: call.task_id, attempt: call.attempt }));
            break;
          case 'status':
            res.writeHead(b.status, { 'content-type': 'application/json' }).end(b.body ?? JSON.stringify({ error: `status ${b.status}` }));
            break;
          case 'not-json':
            res.writeHead(200, { 'content-type': 'text/html' }).end('<html>gateway page</html>');
            break;
          case 'close':
            req.socket.destroy();
            break;
          case 'hang':
            break;
        }
      };
      const delay = 'delayMs' in b ? (b.delayMs ?? 0) : 0;
      if (delay > 0) setTimeout(respond, delay);
      else respond();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    endpoint: `${url}/run`,
    healthUrl: `${url}/health`,
    calls,
    overlaps,
    inFlight: () => inFlight,
    maxInFlight: () => maxInFlight,
    behave(fn) {
      behaviour = fn;
    },
    setHealthy(h) {
      healthy = h;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const r of open) r.destroy();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
