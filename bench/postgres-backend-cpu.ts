// CPU time of the Postgres backends serving one application_name, read from /proc (Postgres on this machine only).

import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import type pg from 'pg';

/** Clock ticks per second of /proc/<pid>/stat's utime and stime. */
let ticksPerSecond: number | undefined;

function clockTicks(): number {
  if (ticksPerSecond === undefined) {
    const value = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim());
    ticksPerSecond = Number.isFinite(value) && value > 0 ? value : 100;
  }
  return ticksPerSecond;
}

/** True when the URL's host is this machine, so its backends' /proc entries are readable. */
export function isLocalPostgres(url: string): boolean {
  const host = new URL(url).hostname;
  return host === '127.0.0.1' || host === 'localhost' || host === '::1' || host === '[::1]';
}

/** Backend pid → CPU milliseconds so far (user + system), for every backend of `applicationName`. */
export async function backendCpu(client: pg.Client, applicationName: string): Promise<Map<number, number>> {
  const { rows } = await client.query<{ pid: number }>('select pid from pg_stat_activity where application_name = $1', [applicationName]);
  const out = new Map<number, number>();
  for (const { pid } of rows) {
    try {
      // Fields after the parenthesised command name: state is the 3rd, utime the 14th, stime the 15th.
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      out.set(pid, ((Number(fields[11]) + Number(fields[12])) / clockTicks()) * 1000);
    } catch {
      // The backend exited between the query and the read: its time is lost to the count.
    }
  }
  return out;
}

/** CPU the backends spent between two readings; a backend that started in between counts from zero. */
export function cpuBetween(before: Map<number, number>, after: Map<number, number>): number {
  let total = 0;
  for (const [pid, ms] of after) total += ms - (before.get(pid) ?? 0);
  return total;
}
