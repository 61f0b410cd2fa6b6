// The JSON logger: one object per line, lines below the configured level dropped.

import { PassThrough } from 'node:stream';
import { createExecutionContext } from '../../../src/platform/context';
import { createLogger } from '../../../src/platform/logger';

function capture(level: 'error' | 'warn' | 'info' | 'debug') {
  const stream = new PassThrough();
  const lines: Record<string, unknown>[] = [];
  stream.on('data', (chunk: Buffer) => {
    for (const line of chunk.toString('utf8').split('\n')) if (line.trim()) lines.push(JSON.parse(line) as Record<string, unknown>);
  });
  const context = createExecutionContext();
  const { logger } = createLogger({ level, processType: 'worker', context, stream });
  return { logger, lines, context, flush: () => new Promise((r) => setImmediate(r)) };
}

describe('logger', () => {
  it('writes the configured level and those above it, and drops the ones below', async () => {
    const { logger, lines, flush } = capture('warn');
    const log = logger.child('worker');
    log.debug('debug line');
    log.info('info line');
    log.http('http line');
    log.warn('warn line', { task_id: 't1' });
    log.error('error line', { error: new Error('boom') });
    await flush();
    expect(lines.map((l) => l.message)).toEqual(['warn line', 'error line']);
    expect(lines[0]).toMatchObject({ level: 'warn', logger: 'catalynx.worker', process_type: 'worker', task_id: 't1' });
    expect(lines[1]!.error).toMatchObject({ name: 'Error', message: 'boom' });
  });

  it('writes every level up to debug when asked to', async () => {
    const { logger, lines, flush } = capture('debug');
    for (const level of ['error', 'warn', 'info', 'http', 'debug'] as const) logger[level](`${level} line`);
    await flush();
    expect(lines.map((l) => l.level)).toEqual(['error', 'warn', 'info', 'http', 'debug']);
  });

  it('stamps each line with the correlation id of the context it was written in', async () => {
    const { logger, lines, context, flush } = capture('info');
    context.run({ correlationId: 'req-42' }, () => logger.info('inside'));
    logger.info('outside');
    await flush();
    expect(lines.map((l) => [l.message, l.correlation_id])).toEqual([
      ['inside', 'req-42'],
      ['outside', null],
    ]);
  });
});
