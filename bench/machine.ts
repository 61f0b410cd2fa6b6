// Describes the machine a run happened on: CPU, memory, OS, Node, Postgres and Redis versions.

import { cpus, loadavg, platform, release, totalmem } from 'node:os';
import Redis from 'ioredis';
import { withClient } from './postgres-schema';

export interface MachineInfo {
  os: string;
  cpuModel: string;
  cpuCount: number;
  memoryGiB: number;
  node: string;
  postgres: string | null;
  redis: string | null;
  /** 1-minute load average when the run started: other work on the machine skews absolute numbers. */
  loadAverageAtStart: number;
}

export async function describeMachine(opts: { postgresUrl: string | null; redisUrl: string | null }): Promise<MachineInfo> {
  const list = cpus();
  return {
    os: `${platform()} ${release()}`,
    cpuModel: list[0]?.model.trim() ?? 'unknown',
    cpuCount: list.length,
    memoryGiB: Math.round((totalmem() / 1024 ** 3) * 10) / 10,
    node: process.version,
    loadAverageAtStart: Math.round(loadavg()[0]! * 100) / 100,
    postgres: opts.postgresUrl ? await postgresVersion(opts.postgresUrl).catch((e: Error) => `unreachable (${e.message})`) : null,
    redis: opts.redisUrl ? await redisVersion(opts.redisUrl).catch((e: Error) => `unreachable (${e.message})`) : null,
  };
}

async function postgresVersion(url: string): Promise<string> {
  const { rows } = await withClient(url, (c) => c.query<{ v: string }>("select current_setting('server_version') as v"));
  return rows[0]?.v ?? 'unknown';
}

async function redisVersion(url: string): Promise<string> {
  const client = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1 });
  try {
    await client.connect();
    const info = await client.info('server');
    return /redis_version:(\S+)/.exec(info)?.[1] ?? 'unknown';
  } finally {
    client.disconnect();
  }
}
