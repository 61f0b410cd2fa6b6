// A fixed-window counter shared by every web process through Redis: one atomic Lua script per hit.
//
// The script does INCR, sets the window's expiry on the first hit (PEXPIRE), and reads the
// time left (PTTL) in one EVAL, so two processes can never both think they started a window,
// and a key can never be left without an expiry (PTTL < 0 repairs it). Fails (rejects) when
// Redis cannot be reached; the caller decides what that means (fail open or closed).

import type Redis from 'ioredis';
import { toResult, type RateLimitCounter } from './rate-limiter';

const HIT_SCRIPT = `
local count = redis.call('INCR', KEYS[1])
if count == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then
  redis.call('PEXPIRE', KEYS[1], ARGV[1])
  ttl = tonumber(ARGV[1])
end
return {count, ttl}
`;

export function createRedisRateLimitCounter(opts: { client: Redis; keyPrefix: string }): RateLimitCounter {
  return {
    async hit(bucket, limit, windowMs) {
      const reply = (await opts.client.eval(HIT_SCRIPT, 1, `${opts.keyPrefix}${bucket}`, String(windowMs))) as [number, number];
      return toResult(Number(reply[0]), limit, Number(reply[1]));
    },
  };
}
