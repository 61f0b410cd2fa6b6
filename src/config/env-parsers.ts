// Small parsers that turn one environment string into a typed value or a problem message.

export type Parsed<T> = { ok: true; value: T } | { ok: false; message: string };

const ok = <T>(value: T): Parsed<T> => ({ ok: true, value });
const fail = <T>(message: string): Parsed<T> => ({ ok: false, message });

export function integer(opts: { min?: number; max?: number } = {}) {
  return (raw: string): Parsed<number> => {
    if (!/^-?\d+$/.test(raw.trim())) return fail(`expected an integer, got "${raw}"`);
    const value = Number(raw.trim());
    if (opts.min !== undefined && value < opts.min) return fail(`must be at least ${opts.min}, got ${value}`);
    if (opts.max !== undefined && value > opts.max) return fail(`must be at most ${opts.max}, got ${value}`);
    return ok(value);
  };
}

export function oneOf<T extends string>(values: readonly T[]) {
  return (raw: string): Parsed<T> => {
    const v = raw.trim().toLowerCase() as T;
    return values.includes(v) ? ok(v) : fail(`expected one of ${values.join(', ')}, got "${raw}"`);
  };
}

export function boolean() {
  return (raw: string): Parsed<boolean> => {
    const v = raw.trim().toLowerCase();
    if (['1', 'true', 'yes', 'on'].includes(v)) return ok(true);
    if (['0', 'false', 'no', 'off'].includes(v)) return ok(false);
    return fail(`expected true or false, got "${raw}"`);
  };
}

const DURATION_UNITS: Record<string, number> = { ms: 0.001, s: 1, m: 60, h: 3600, d: 86400 };

/** A duration in seconds: "30", "30s", "5m", "1h", "500ms". */
export function durationSeconds(opts: { min?: number } = {}) {
  return (raw: string): Parsed<number> => {
    const m = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)?$/.exec(raw.trim());
    if (!m) return fail(`expected a duration such as 30s, 5m or 1h, got "${raw}"`);
    const seconds = Number(m[1]) * DURATION_UNITS[m[2] ?? 's']!;
    if (opts.min !== undefined && seconds < opts.min) return fail(`must be at least ${opts.min}s, got "${raw}"`);
    return ok(seconds);
  };
}

/** A size in bytes: "1048576", "100kb", "1mb". */
export function byteSize(opts: { min?: number; max?: number } = {}) {
  return (raw: string): Parsed<number> => {
    const m = /^(\d+)\s*(b|kb|mb)?$/i.exec(raw.trim());
    if (!m) return fail(`expected a size such as 100kb or 1mb, got "${raw}"`);
    const mult = { b: 1, kb: 1024, mb: 1024 * 1024 }[(m[2] ?? 'b').toLowerCase() as 'b' | 'kb' | 'mb'];
    const value = Number(m[1]) * mult;
    if (opts.min !== undefined && value < opts.min) return fail(`must be at least ${opts.min} bytes`);
    if (opts.max !== undefined && value > opts.max) return fail(`must be at most ${opts.max} bytes`);
    return ok(value);
  };
}

export function url(protocols: readonly string[]) {
  return (raw: string): Parsed<string> => {
    let parsed: URL;
    try {
      parsed = new URL(raw.trim());
    } catch {
      return fail(`expected a URL (${protocols.join(' or ')}), got "${raw}"`);
    }
    if (!protocols.includes(parsed.protocol)) {
      return fail(`unsupported scheme "${parsed.protocol}" (expected ${protocols.join(' or ')})`);
    }
    return ok(raw.trim());
  };
}

export function nonEmpty() {
  return (raw: string): Parsed<string> => (raw.trim() ? ok(raw.trim()) : fail('must not be empty'));
}

export function minLength(min: number) {
  return (raw: string): Parsed<string> =>
    raw.trim().length >= min ? ok(raw.trim()) : fail(`must be at least ${min} characters long`);
}

/** A comma-separated list; empty items are dropped. */
export function list() {
  return (raw: string): Parsed<string[]> =>
    ok(
      raw
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean),
    );
}

/** "read=1200,tasks:write=300" → { read: 1200, "tasks:write": 300 }. */
export function scopeLimits() {
  return (raw: string): Parsed<Record<string, number>> => {
    const out: Record<string, number> = {};
    for (const item of raw.split(',').map((s) => s.trim()).filter(Boolean)) {
      const m = /^([a-z:_]+)=(\d+)$/.exec(item);
      if (!m || Number(m[2]) < 1) return fail(`expected scope=limit pairs such as read=1200,tasks:write=300, got "${item}"`);
      out[m[1]!] = Number(m[2]);
    }
    return ok(out);
  };
}

/** A JSON array, e.g. [{"name": "discovery", ...}]; its items are validated by their owner. */
export function jsonArray() {
  return (raw: string): Parsed<unknown[]> => {
    let value: unknown;
    try {
      value = JSON.parse(raw);
    } catch {
      return fail('expected a JSON array, got text that is not JSON');
    }
    return Array.isArray(value) ? ok(value) : fail('expected a JSON array');
  };
}
