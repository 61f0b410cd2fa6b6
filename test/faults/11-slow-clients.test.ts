// Scenario 11: slow clients. A client that trickles its header bytes is cut off by the server's
// headers timeout (HTTP_HEADERS_TIMEOUT_MS), one that trickles its body by the request timeout, so
// neither can hold a connection forever; other clients are served meanwhile.

import { connect } from 'node:net';
import { createTestDatabase, type TestDatabase } from '../support/services';
import { apiFor, baseEnv, describeWithServices, ProcessGroup } from './support/cluster';
import { recordRow } from './support/fault-table';

/** Opens a connection, sends `head`, then one byte of `drip` every 100 ms; resolves when the server cuts it. */
function trickle(url: string, head: string, drip: string, giveUpMs: number): Promise<{ cutAfterMs: number | null; reply: string }> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const started = Date.now();
    let reply = '';
    const socket = connect(Number(port), hostname, () => socket.write(head));
    const timer = setInterval(() => {
      if (!socket.destroyed) socket.write(drip);
    }, 100);
    const giveUp = setTimeout(() => finish(null), giveUpMs);
    const finish = (cutAfterMs: number | null) => {
      clearInterval(timer);
      clearTimeout(giveUp);
      socket.destroy();
      resolve({ cutAfterMs, reply });
    };
    socket.setEncoding('utf8');
    socket.on('data', (d: string) => (reply += d));
    socket.on('error', () => undefined);
    socket.on('close', () => finish(Date.now() - started));
  });
}

describeWithServices('11. slow clients', {}, () => {
  let db: TestDatabase;
  const group = new ProcessGroup();

  beforeAll(async () => {
    db = await createTestDatabase('postgres');
    await (await db.open()).close();
  });
  afterAll(async () => {
    group.killAll();
    await db?.cleanup();
  });

  it('cuts off clients that trickle headers or body, and keeps serving others', async () => {
    const web = await group.web(baseEnv(db.url, { HTTP_HEADERS_TIMEOUT_MS: '1000', HTTP_REQUEST_TIMEOUT_MS: '2000' }));
    const api = apiFor(() => web.url);
    // Give up after 20 s: a server that never cuts the connection fails the test instead of hanging.
    const [headers, body, served] = await Promise.all([
      trickle(web.url, 'GET /health HTTP/1.1\r\nHost: x\r\n', 'X', 20_000),
      trickle(
        web.url,
        'POST /api/agents/echo/execute HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer faults-suite-admin-key-0123456789\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n{"action":"echo","input":"',
        'a',
        20_000,
      ),
      (async () => {
        await new Promise((r) => setTimeout(r, 500));
        return (await api('/health/live')).status;
      })(),
    ]);
    expect(served).toBe(200);
    expect(headers.cutAfterMs).not.toBeNull();
    expect(body.cutAfterMs).not.toBeNull();
    // A cut-off client is told why when the server can still answer (408), or just disconnected.
    expect(headers.reply === '' || headers.reply.startsWith('HTTP/1.1 408')).toBe(true);
    expect(web.child.exitCode).toBeNull();

    recordRow({
      order: 11,
      scenario: 'slow clients: header trickle (headers timeout 1 s), body trickle (request timeout 2 s)',
      submitted: 3,
      succeeded: 1,
      lost: 0,
      duplicated: 0,
      recoverMs: null,
      notes: `header trickler cut after ${(headers.cutAfterMs! / 1000).toFixed(1)} s, body trickler after ${(body.cutAfterMs! / 1000).toFixed(1)} s; a normal client was served meanwhile`,
    });
    const codes = await group.stopAll();
    expect(codes.every((c) => c === 0)).toBe(true);
  });
});
