// Scenario 6: two scheduler processes. Each periodic job tick runs once (one scheduled_ticks row per
// (job, tick), all from the leader); kill -9 the leader and the other takes over within about one
// leader lease (SCHEDULER_LEADER_LEASE_SECONDS=2).

import pg from 'pg';
import { createTestDatabase, type TestDatabase } from '../support/services';
import { sleep, waitUntil } from '../support/wait';
import { baseEnv, describeWithServices, ProcessGroup } from './support/cluster';
import { recordRow } from './support/fault-table';

const LEASE_SECONDS = 2;

describeWithServices('6. two schedulers, leader killed', {}, () => {
  let db: TestDatabase;
  let client: pg.Client;
  const group = new ProcessGroup();

  beforeAll(async () => {
    db = await createTestDatabase('postgres');
    await (await db.open()).close();
    client = new pg.Client({ connectionString: db.url });
    await client.connect();
  });
  afterAll(async () => {
    group.killAll();
    await client?.end();
    await db?.cleanup();
  });

  const ticks = async (job: string) =>
    (await client.query<{ tick: string; owner: string; ran_at: string }>('select tick, owner, ran_at from scheduled_ticks where job = $1 order by tick', [job])).rows.map((r) => ({
      tick: Number(r.tick),
      owner: r.owner,
      ranAt: Number(r.ran_at),
    }));

  it('runs each tick once and fails over to the other scheduler after the leader dies', async () => {
    const env = baseEnv(db.url, { SCHEDULER_LEADER_LEASE_SECONDS: String(LEASE_SECONDS), LEASE_REAPER_INTERVAL: '1s' });
    const a = await group.start('scheduler', env);
    const b = await group.start('scheduler', env);
    const [leader, follower] = await waitUntil(
      () => {
        const aLeads = a.lines.some((l) => l.message === 'became scheduler leader');
        const bLeads = b.lines.some((l) => l.message === 'became scheduler leader');
        return aLeads !== bLeads ? (aLeads ? [a, b] : [b, a]) : undefined;
      },
      { what: 'exactly one leader', timeoutMs: 10_000 },
    );
    await sleep(4000);

    // The busiest job is the 1 s lease reaper.
    const jobs = await client.query<{ job: string; n: string }>('select job, count(*) as n from scheduled_ticks group by job order by n desc');
    const job = jobs.rows[0]!.job;
    const before = await ticks(job);
    expect(before.length).toBeGreaterThanOrEqual(3);
    expect(new Set(before.map((t) => t.owner)).size).toBe(1);

    leader.kill('SIGKILL');
    const killedAt = Date.now();
    await follower.waitForLog((l) => l.message === 'became scheduler leader', 10_000);
    const takeoverMs = Date.now() - killedAt;
    await sleep(3000);
    const after = await ticks(job);
    const newOwners = new Set(after.filter((t) => t.ranAt > killedAt).map((t) => t.owner));
    expect(newOwners.size).toBe(1);
    expect(newOwners.has(before[0]!.owner)).toBe(false);
    // No tick ran twice (one row per (job, tick)); the ones missed while nobody led are few.
    const tickNumbers = after.map((t) => t.tick);
    expect(new Set(tickNumbers).size).toBe(tickNumbers.length);
    const missed = tickNumbers[tickNumbers.length - 1]! - tickNumbers[0]! + 1 - tickNumbers.length;
    // The lock expires one lease after the last renewal and the follower retries every lease/3.
    expect(takeoverMs).toBeLessThanOrEqual((LEASE_SECONDS + LEASE_SECONDS / 3 + 1) * 1000);
    expect(follower.child.exitCode).toBeNull();

    recordRow({
      order: 6,
      scenario: 'two schedulers, kill -9 the leader (leader lease 2 s)',
      submitted: tickNumbers.length,
      succeeded: tickNumbers.length,
      lost: 0,
      duplicated: tickNumbers.length - new Set(tickNumbers).size,
      recoverMs: takeoverMs,
      notes: `"${job}" ticks: one row each, one owner at a time; ${missed} ticks skipped while leaderless; recover = kill → follower leads`,
    });
    const codes = await group.stopAll();
    expect(codes.every((c) => c === 0)).toBe(true);
  });
});
