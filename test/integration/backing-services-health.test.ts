// /health follows the backing services: Redis away → degraded (200); database away → unhealthy (503);
// both recover when the service returns, without a restart. The services are real; a TCP proxy in
// front of each lets the test take it away.

import { postgresUrlOrSkip, redisUrlOrSkip, createTestDatabase, type TestDatabase } from '../support/services';
import { startTcpProxy, type TcpProxy } from '../support/tcp-proxy';
import { startInProcessWeb, type InProcessWeb } from '../support/in-process';
import { waitUntil } from '../support/wait';

const pgService = postgresUrlOrSkip();
const redisService = redisUrlOrSkip();
const describeIf = pgService.url && redisService.url ? describe : describe.skip;

describeIf(`health follows Postgres and Redis${pgService.skip || redisService.skip ? ` [skipped: ${pgService.skip ?? redisService.skip}]` : ''}`, () => {
  let db: TestDatabase;
  let pgProxy: TcpProxy;
  let redisProxy: TcpProxy;
  let web: InProcessWeb;

  beforeAll(async () => {
    db = await createTestDatabase('postgres');
    await (await db.open()).close();
    const dbUrl = new URL(db.url);
    pgProxy = await startTcpProxy(dbUrl.hostname, Number(dbUrl.port || 5432));
    dbUrl.hostname = '127.0.0.1';
    dbUrl.port = String(pgProxy.port);
    const redisUrl = new URL(redisService.url!);
    redisProxy = await startTcpProxy(redisUrl.hostname, Number(redisUrl.port || 6379));
    redisUrl.hostname = '127.0.0.1';
    redisUrl.port = String(redisProxy.port);
    web = await startInProcessWeb({ DATABASE_URL: dbUrl.toString(), REDIS_URL: redisUrl.toString(), HEALTH_CHECK_TIMEOUT_MS: '1000' });
  });
  afterAll(async () => {
    await web?.stop();
    await pgProxy?.close();
    await redisProxy?.close();
    await db?.cleanup();
  });

  const health = async () => {
    const res = await fetch(`${web.url}/health`);
    const body = (await res.json()) as { overall_status: string; components: { name: string; status: string }[] };
    return { status: res.status, overall: body.overall_status, byName: Object.fromEntries(body.components.map((c) => [c.name, c.status])) };
  };

  it('is healthy with both services up', async () => {
    await waitUntil(async () => (await health()).overall === 'healthy', { what: 'healthy' });
    expect(await health()).toMatchObject({ status: 200, byName: { database: 'healthy', redis: 'healthy' } });
  });

  it('turns degraded (still 200) when Redis goes away, and healthy again when it returns', async () => {
    await redisProxy.cut();
    const down = await waitUntil(async () => {
      const h = await health();
      return h.byName.redis === 'degraded' ? h : undefined;
    }, { what: 'redis degraded' });
    expect(down).toMatchObject({ status: 200, overall: 'degraded' });
    await redisProxy.restore();
    const up = await waitUntil(async () => {
      const h = await health();
      return h.overall === 'healthy' ? h : undefined;
    }, { what: 'redis recovered', timeoutMs: 15_000 });
    expect(up.status).toBe(200);
  });

  it('turns unhealthy (503) when the database goes away, and healthy again when it returns', async () => {
    await pgProxy.cut();
    const down = await waitUntil(async () => {
      const h = await health();
      return h.byName.database === 'unhealthy' ? h : undefined;
    }, { what: 'database unhealthy' });
    expect(down).toMatchObject({ status: 503, overall: 'unhealthy' });
    await pgProxy.restore();
    const up = await waitUntil(async () => {
      const h = await health();
      return h.overall === 'healthy' ? h : undefined;
    }, { what: 'database recovered', timeoutMs: 15_000 });
    expect(up.status).toBe(200);
  });
});
