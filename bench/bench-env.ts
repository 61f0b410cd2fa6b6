// The only bench module that reads process.env: database/Redis URLs, the scale and repetitions.

export interface BenchEnv {
  /** Postgres base URL (BENCH_DATABASE_URL, else TEST_DATABASE_URL); null skips the Postgres rows. */
  postgresUrl: string | null;
  /** Redis URL (BENCH_REDIS_URL, else TEST_REDIS_URL); null skips the BullMQ row. */
  redisUrl: string | null;
  /** Multiplies every default size (BENCH_SCALE, default 1: 5,000 queue jobs on Postgres and Redis, 20,000 on SQLite). */
  scale: number;
  /** Measured repetitions per benchmark (BENCH_REPETITIONS, default 5); one warm-up runs first, excluded. */
  repetitions: number;
  /** Runs only these benchmark ids (BENCH_ONLY=queue-postgres,bmf-filter); null runs all. */
  only: string[] | null;
}

export class BenchEnvError extends Error {
  constructor(readonly variable: string, message: string) {
    super(`${variable}: ${message}`);
    this.name = 'BenchEnvError';
  }
}

function positiveNumber(name: string, raw: string | undefined, fallback: number): number {
  if (raw === undefined || raw.trim() === '') return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value <= 0) throw new BenchEnvError(name, `must be a positive number, got "${raw}"`);
  return value;
}

export function readBenchEnv(env: NodeJS.ProcessEnv = process.env): BenchEnv {
  const pick = (...names: string[]) => {
    for (const n of names) {
      const v = env[n]?.trim();
      if (v) return v;
    }
    return null;
  };
  const only = pick('BENCH_ONLY');
  return {
    postgresUrl: pick('BENCH_DATABASE_URL', 'TEST_DATABASE_URL'),
    redisUrl: pick('BENCH_REDIS_URL', 'TEST_REDIS_URL'),
    scale: positiveNumber('BENCH_SCALE', env.BENCH_SCALE, 1),
    repetitions: Math.round(positiveNumber('BENCH_REPETITIONS', env.BENCH_REPETITIONS, 5)),
    only: only ? only.split(',').map((s) => s.trim()).filter(Boolean) : null,
  };
}
