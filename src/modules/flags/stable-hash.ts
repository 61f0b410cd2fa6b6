// Places a user in a rollout bucket from a hash that is the same in every process, host and restart.
import { createHash } from 'node:crypto';

/** Number of buckets: 10,000 gives 0.01 percentage-point granularity. */
export const BUCKET_COUNT = 10_000;

/**
 * Returns the user's bucket for a flag, a number in [0, 100) in steps of 0.01.
 *
 * Why sha256 and not a language hash: the seed used Python's `hash()`, which is salted per
 * process, so a user flipped in and out of a rollout on every restart and differed between
 * workers. sha256 of `flagName:userId` depends only on its input.
 *
 * The flag name is part of the input so each flag picks an independent set of users (a user in
 * the first 10% of one flag is not automatically in the first 10% of every other flag). Flag names
 * cannot contain `:` (FLAG_NAME_PATTERN), so distinct (flag, user) pairs never produce the same input.
 *
 * The first 4 bytes are read as a big-endian uint32 and reduced modulo 10,000; the modulo bias
 * (2^32 is not a multiple of 10,000) is below 0.0003% per bucket, far under rollout noise.
 * Changing anything here reshuffles every rollout; the unit tests pin known values to catch it.
 */
export function bucketFor(flagName: string, userId: string): number {
  const digest = createHash('sha256').update(`${flagName}:${userId}`, 'utf8').digest();
  return (digest.readUInt32BE(0) % BUCKET_COUNT) / 100;
}
