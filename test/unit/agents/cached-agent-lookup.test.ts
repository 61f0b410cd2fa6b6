import type { Agent } from '../../../src/modules/agents/agent';
import { cachedAgentLookup } from '../../../src/modules/agents/cached-agent-lookup';

const agent = (id: string) => ({ id }) as Agent;

describe('cached agent lookup', () => {
  it('reads a found agent once per ttl, then again', async () => {
    let t = 0;
    const reads: string[] = [];
    const lookup = cachedAgentLookup({ find: async (id) => (reads.push(id), agent(id)) }, { ttlMs: 1000, now: () => t });
    await lookup('a');
    await lookup('a');
    expect(reads).toEqual(['a']);
    t = 1000;
    await lookup('a');
    expect(reads).toEqual(['a', 'a']);
  });

  it('never caches a miss, so an agent registered just after is found at once', async () => {
    let registered = false;
    const lookup = cachedAgentLookup({ find: async (id) => (registered ? agent(id) : undefined) }, { ttlMs: 60_000, now: () => 0 });
    expect(await lookup('late')).toBeUndefined();
    registered = true;
    expect(await lookup('late')).toEqual({ id: 'late' });
  });
});
