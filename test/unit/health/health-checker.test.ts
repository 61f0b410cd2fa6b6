import { createHealthChecker } from '../../../src/modules/health/health-checker';

describe('health checker', () => {
  it('is healthy when every check is, and lists each component', async () => {
    const health = createHealthChecker({ version: '1.2.3', timeoutMs: 100 });
    health.register('a', async () => ({ status: 'healthy', message: 'ok' }));
    health.register('b', async () => ({ status: 'healthy', message: 'ok', details: { x: 1 } }));
    const result = await health.check();
    expect(result.overall_status).toBe('healthy');
    expect(result.version).toBe('1.2.3');
    expect(result.components.map((c) => c.name)).toEqual(['a', 'b']);
    expect(result.components[1]!.details).toEqual({ x: 1 });
    expect(typeof result.components[0]!.timestamp).toBe('string');
  });

  it('takes the worst status: degraded beats healthy, unhealthy beats both', async () => {
    const health = createHealthChecker({ version: '1', timeoutMs: 100 });
    health.register('ok', async () => ({ status: 'healthy', message: 'ok' }));
    health.register('slowish', async () => ({ status: 'degraded', message: 'redis down' }));
    expect((await health.check()).overall_status).toBe('degraded');
    health.register('db', async () => ({ status: 'unhealthy', message: 'db down' }));
    expect((await health.check()).overall_status).toBe('unhealthy');
  });

  it('turns a throwing check into unhealthy with its message', async () => {
    const health = createHealthChecker({ version: '1', timeoutMs: 100 });
    health.register('boom', async () => {
      throw new Error('kaput');
    });
    const result = await health.check();
    expect(result.components[0]).toMatchObject({ status: 'unhealthy', message: 'kaput' });
  });

  it('does not let a hung check hang the endpoint: it times out as unhealthy and is aborted', async () => {
    const health = createHealthChecker({ version: '1', timeoutMs: 50 });
    let aborted = false;
    health.register('hung', (signal) => {
      signal.addEventListener('abort', () => {
        aborted = true;
      });
      return new Promise(() => undefined);
    });
    const result = await health.check();
    expect(result.components[0]).toMatchObject({ status: 'unhealthy', message: 'check timed out after 50 ms' });
    expect(aborted).toBe(true);
  });

  it('can run a subset (readiness)', async () => {
    const health = createHealthChecker({ version: '1', timeoutMs: 100 });
    health.register('database', async () => ({ status: 'healthy', message: 'ok' }));
    health.register('redis', async () => ({ status: 'degraded', message: 'down' }));
    const result = await health.checkOnly(['database']);
    expect(result.overall_status).toBe('healthy');
    expect(result.components).toHaveLength(1);
  });
});
