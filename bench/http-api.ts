// Benchmark 4: POST /api/agents/:id/execute requests/second (autocannon, 10 connections) against
// Catalynx's web process vs a bare Express handler inserting the same row into the same kind of
// SQLite file; and the gateway's own cost (auth + rate limit) on a trivial route. Servers run in
// their own process; autocannon runs here.

import { fork } from 'node:child_process';
import { join } from 'node:path';
import autocannon from 'autocannon';
import { ratio, row, type BenchContext, type BenchmarkOutcome } from './bench-result';
import { BENCH_ADMIN_KEY, type HttpTargetKind } from './http-target';
import { repeat } from './measure';
import { createBenchSqliteFile } from './sqlite-file';

const CONNECTIONS = 10;
const DURATION_SECONDS = 5;
const WARMUP_SECONDS = 2;

export class HttpTargetError extends Error {
  constructor(readonly kind: HttpTargetKind, message: string) {
    super(`${kind}: ${message}`);
    this.name = 'HttpTargetError';
  }
}

async function load(kind: HttpTargetKind, seconds: number): Promise<{ rps: number; failed: number }> {
  const file = await createBenchSqliteFile('http');
  const child = fork(join(__dirname, 'http-target.js'), [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  try {
    const url = await new Promise<string>((resolve, reject) => {
      child.once('message', (m) => {
        const msg = m as { url?: string; error?: string };
        if (msg.url) resolve(msg.url);
        else reject(new HttpTargetError(kind, msg.error ?? 'no url'));
      });
      child.once('exit', (code) => reject(new HttpTargetError(kind, `exited with code ${code} before listening`)));
      child.send({ kind, databaseUrl: file.url, filename: file.filename });
    });
    const execute = kind === 'catalynx-execute' || kind === 'express-execute';
    const result = await autocannon({
      url: execute ? `${url}/api/agents/echo/execute` : `${url}/api/bench/ping`,
      method: execute ? 'POST' : 'GET',
      connections: CONNECTIONS,
      duration: seconds,
      headers: { authorization: `Bearer ${BENCH_ADMIN_KEY}`, 'content-type': 'application/json' },
      body: execute ? JSON.stringify({ action: 'echo', input: { hello: 'world' } }) : undefined,
    });
    return { rps: result.requests.average, failed: result.non2xx + result.errors + result.timeouts };
  } finally {
    await new Promise<void>((resolve) => {
      child.once('exit', () => resolve());
      if (child.connected) child.send('stop');
      else resolve();
      setTimeout(() => {
        child.kill('SIGKILL');
        resolve();
      }, 5000).unref();
    });
    await file.drop();
  }
}

export async function runHttpApi(ctx: BenchContext): Promise<BenchmarkOutcome> {
  const kinds: HttpTargetKind[] = ['catalynx-execute', 'express-execute', 'gateway-guarded', 'gateway-bare'];
  let failures = 0;
  const r = await repeat({ repetitions: ctx.env.repetitions, label: `http (${DURATION_SECONDS} s, ${CONNECTIONS} connections)`, log: ctx.log }, async (i) => {
    const out: Record<string, number> = {};
    for (const kind of kinds) {
      const { rps, failed } = await load(kind, i < 0 ? WARMUP_SECONDS : DURATION_SECONDS);
      if (i >= 0) failures += failed;
      out[kind] = rps;
    }
    return out;
  });
  const outcome: BenchmarkOutcome = {
    id: 'http-api',
    title: 'HTTP API',
    rows: [
      row('Catalynx web (gateway, SQLite file)', 'POST /api/agents/echo/execute', 'req/s', r['catalynx-execute']!),
      row('bare Express + better-sqlite3', 'POST /api/agents/echo/execute (same row)', 'req/s', r['express-execute']!),
      row('Catalynx app, route with gateway guard', 'GET /api/bench/ping', 'req/s', r['gateway-guarded']!),
      row('Catalynx app, same route without guard', 'GET /api/bench/ping', 'req/s', r['gateway-bare']!),
    ],
    ratios: [
      // Issue 18's line (the first round's was 0.5).
      ratio('execute: Catalynx / bare Express', r['catalynx-execute']!, r['express-execute']!, { op: '>=', value: 0.8 }),
      ratio('gateway: guarded / unguarded route', r['gateway-guarded']!, r['gateway-bare']!),
    ],
    skipped: [],
    notes: [
      `autocannon, ${CONNECTIONS} connections, ${DURATION_SECONDS} s per measurement (warm-up ${WARMUP_SECONDS} s), server in its own process on a fresh SQLite file (WAL, synchronous=NORMAL); autocannon shares the machine.`,
      'Catalynx: NODE_ENV=production, LOG_LEVEL=error, admin key auth, rate limit counted in memory (no Redis) with the limit set out of reach; body validated by zod; enqueue() checks the agent and inserts through Kysely.',
      'Bare Express: express.json() and one prepared INSERT of the same row; no auth, no validation, no agent lookup.',
      `Non-2xx responses or errors in measured runs: ${failures}.`,
    ],
  };
  return outcome;
}
