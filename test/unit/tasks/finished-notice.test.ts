// The task-finished notification carries every task one commit finished, in one message.

import { createNotifier } from '../../../src/platform/notifier';
import { createLogger } from '../../../src/platform/logger';
import { PassThrough } from 'node:stream';
import { publishFinished, subscribeFinished } from '../../../src/modules/tasks/finished-notice';

describe('task-finished notification', () => {
  const logger = createLogger({ level: 'error', processType: 'test', stream: new PassThrough() }).logger;

  it('delivers the ids of one commit together, and sends nothing for none', async () => {
    const notifier = createNotifier({ redis: null, logger });
    const received: (readonly string[])[] = [];
    const off = subscribeFinished(notifier, (ids) => received.push(ids));
    publishFinished(notifier, ['t1', 't2', 't3']);
    publishFinished(notifier, []);
    publishFinished(notifier, ['t4']);
    off();
    publishFinished(notifier, ['t5']);
    expect(received).toEqual([['t1', 't2', 't3'], ['t4']]);
    await notifier.close();
  });
});
