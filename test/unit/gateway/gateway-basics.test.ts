import { generateApiKey, hashApiKey, hashesEqual } from '../../../src/modules/gateway/api-key';
import { scopesAllow } from '../../../src/modules/gateway/scopes';
import { createMemoryRateLimitCounter } from '../../../src/modules/gateway/rate-limiter';
import { withoutHopByHop } from '../../../src/modules/gateway/service-proxy';
import { parseKeysArgs } from '../../../src/cli/keys';
import { prefixesOverlap } from '../../../src/modules/gateway/service-routes';

describe('API key material', () => {
  it('looks like cx_ + base64url of 32 bytes, with an 8-character prefix and a SHA-256 hash', () => {
    const k = generateApiKey();
    expect(k.key).toMatch(/^cx_[A-Za-z0-9_-]{43}$/);
    expect(k.prefix).toBe(k.key.slice(0, 8));
    expect(k.hash).toMatch(/^[0-9a-f]{64}$/);
    expect(k.hash).toBe(hashApiKey(k.key));
    expect(generateApiKey().key).not.toBe(k.key);
  });

  it('compares hashes exactly', () => {
    const h = hashApiKey('a');
    expect(hashesEqual(h, hashApiKey('a'))).toBe(true);
    expect(hashesEqual(h, hashApiKey('b'))).toBe(false);
    expect(hashesEqual(h, 'short')).toBe(false);
  });
});

describe('scopes', () => {
  it('admin implies everything; others grant only themselves', () => {
    expect(scopesAllow(['admin'], 'tasks:write')).toBe(true);
    expect(scopesAllow(['admin'], 'read')).toBe(true);
    expect(scopesAllow(['read'], 'read')).toBe(true);
    expect(scopesAllow(['tasks:write'], 'read')).toBe(false);
    expect(scopesAllow(['read'], 'admin')).toBe(false);
    expect(scopesAllow([], 'public')).toBe(true);
  });

  it('any:write (proxied writes) takes any write scope', () => {
    expect(scopesAllow(['tasks:write'], 'any:write')).toBe(true);
    expect(scopesAllow(['read'], 'any:write')).toBe(false);
  });
});

describe('in-memory fixed-window counter', () => {
  it('allows `limit` hits per window per bucket and starts afresh when the window ends', async () => {
    let now = 1_000;
    const counter = createMemoryRateLimitCounter({ now: () => now });
    expect(await counter.hit('a', 2, 10_000)).toEqual({ allowed: true, limit: 2, remaining: 1, resetMs: 10_000 });
    now += 4_000;
    expect(await counter.hit('a', 2, 10_000)).toEqual({ allowed: true, limit: 2, remaining: 0, resetMs: 6_000 });
    expect(await counter.hit('a', 2, 10_000)).toMatchObject({ allowed: false, remaining: 0 });
    expect(await counter.hit('b', 2, 10_000)).toMatchObject({ allowed: true, remaining: 1 });
    now += 6_000;
    expect(await counter.hit('a', 2, 10_000)).toMatchObject({ allowed: true, remaining: 1, resetMs: 10_000 });
  });
});

describe('proxy header filtering', () => {
  it('drops hop-by-hop headers, proxy-* and headers named in Connection', () => {
    const out = withoutHopByHop(
      {
        connection: 'keep-alive, x-secret-hop',
        'keep-alive': 'timeout=5',
        'transfer-encoding': 'chunked',
        te: 'trailers',
        trailer: 'x',
        upgrade: 'websocket',
        'proxy-authorization': 'Basic x',
        'x-secret-hop': '1',
        'x-kept': 'yes',
        authorization: 'Bearer k',
      },
      new Set(['authorization']),
    );
    expect(out).toEqual({ 'x-kept': 'yes' });
  });
});

describe('service route prefixes', () => {
  it('overlap when equal or nested, not when merely sharing letters', () => {
    expect(prefixesOverlap('/api/tasks', '/api/tasks')).toBe(true);
    expect(prefixesOverlap('/api/tasks/x', '/api/tasks')).toBe(true);
    expect(prefixesOverlap('/api/taskscope', '/api/tasks')).toBe(false);
  });
});

describe('keys CLI arguments', () => {
  it('parses create, list and revoke', () => {
    expect(parseKeysArgs(['create', '--name', 'ci', '--scopes', 'read,tasks:write', '--json'])).toEqual({
      command: 'create',
      name: 'ci',
      scopes: ['read', 'tasks:write'],
      json: true,
    });
    expect(parseKeysArgs(['list'])).toEqual({ command: 'list', json: false });
    expect(parseKeysArgs(['revoke', 'abc', '--json'])).toEqual({ command: 'revoke', id: 'abc', json: true });
  });

  it('refuses unknown scopes, commands and missing values', () => {
    expect(() => parseKeysArgs(['create', '--name', 'x', '--scopes', 'root'])).toThrow(/unknown scope/);
    expect(() => parseKeysArgs(['drop'])).toThrow(/unknown command/);
    expect(() => parseKeysArgs(['create', '--scopes', 'read'])).toThrow(/--name/);
    expect(() => parseKeysArgs(['revoke'])).toThrow(/exactly one key id/);
  });
});
