// The LISTEN/NOTIFY transport between processes: what one process publishes reaches another
// process's listener, every distinct notification once and in the order published, also when
// many are published at once (they go together while a send is in flight).

import { Writable } from 'node:stream';
import { createLogger } from '../../src/platform/logger';
import { createPostgresNotifyTransport, type NotifyTransport } from '../../src/platform/postgres-notify-transport';
import { postgresUrlOrSkip } from '../support/services';
import { waitUntil } from '../support/wait';

const pgService = postgresUrlOrSkip();
const logger = createLogger({ level: 'error', processType: 'test', stream: new Writable({ write: (_c, _e, done) => done() }) }).logger;

(pgService.url ? describe : describe.skip)(`Postgres notify transport${pgService.skip ? ` [skipped: ${pgService.skip}]` : ''}`, () => {
  const transports: NotifyTransport[] = [];
  afterAll(async () => {
    for (const t of transports) await t.close();
  });

  function transport(prefix: string, onMessage: (channel: string, message: string) => void): NotifyTransport {
    const t = createPostgresNotifyTransport({ url: pgService.url!, logger, prefix, onMessage });
    transports.push(t);
    return t;
  }

  it('delivers a burst of notifications to another connection, each distinct one once and in order', async () => {
    const prefix = `notify-test-${process.pid}-${Date.now()}:`;
    const received: string[] = [];
    const listener = transport(prefix, (channel, message) => {
      if (channel === 'tasks' && message !== '') received.push(message);
    });
    listener.listen('tasks');
    await waitUntil(() => listener.connected(), { timeoutMs: 10_000, what: 'the listener to connect' });
    const publisher = transport(prefix, () => undefined);
    publisher.publish('tasks', 'warm-up');
    await waitUntil(() => received.includes('warm-up'), { timeoutMs: 10_000, what: 'the first notification' });

    const sent = Array.from({ length: 200 }, (_, i) => `m${i}`);
    for (const m of sent) publisher.publish('tasks', m);
    // Published again while still waiting to be sent: says nothing more.
    for (const m of sent.slice(100)) publisher.publish('tasks', m);
    publisher.publish('other', 'not listened to');
    await waitUntil(() => received.length >= sent.length + 1, { timeoutMs: 10_000, what: 'all 200 notifications' });
    await new Promise((r) => setTimeout(r, 200));
    expect(received).toEqual(['warm-up', ...sent]);
  });

  it('drops a payload over Postgres’s limit and keeps sending the others', async () => {
    const prefix = `notify-test-big-${process.pid}-${Date.now()}:`;
    const received: string[] = [];
    const listener = transport(prefix, (_channel, message) => {
      if (message !== '') received.push(message);
    });
    listener.listen('tasks');
    await waitUntil(() => listener.connected(), { timeoutMs: 10_000, what: 'the listener to connect' });
    const publisher = transport(prefix, () => undefined);
    publisher.publish('tasks', 'before');
    publisher.publish('tasks', 'x'.repeat(9000));
    publisher.publish('tasks', 'after');
    await waitUntil(() => received.length >= 2, { timeoutMs: 10_000, what: 'the two small notifications' });
    await new Promise((r) => setTimeout(r, 200));
    expect(received).toEqual(['before', 'after']);
  });
});
