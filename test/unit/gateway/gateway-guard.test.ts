import type { Request, Response } from 'express';
import { createAuthorize, createAuthorizeNow, presentedKey } from '../../../src/modules/gateway/gateway-guard';
import type { KeyAuthenticator } from '../../../src/modules/gateway/key-authenticator';
import { createRateLimit } from '../../../src/modules/gateway/rate-limit';
import type { Logger } from '../../../src/platform/logger';

const silent: Logger = { error() {}, warn() {}, info() {}, http() {}, debug() {}, child: () => silent };

function fakeRequest(path: string, headers: Record<string, string>): Request {
  const lower = Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]));
  return { path, get: (name: string) => lower[name.toLowerCase()], socket: { remoteAddress: '203.0.113.9' } } as unknown as Request;
}

function fakeResponse(): Response & { sent: Record<string, string> } {
  const sent: Record<string, string> = {};
  return { locals: {}, sent, setHeader: (k: string, v: string) => (sent[k] = v) } as unknown as Response & { sent: Record<string, string> };
}

const authenticator: KeyAuthenticator = {
  authenticate: async (key) => (key === 'cx_reader' ? { keyId: 'k1', name: 'reader', scopes: ['read'] } : undefined),
  authenticateNow: () => undefined,
  clearCache() {},
  close() {},
};

describe('gateway guard', () => {
  const rateLimit = createRateLimit({
    settings: { requests: 100, windowSeconds: 60, failOpen: true, scopeOverrides: {} },
    redis: null,
    logger: silent,
    now: () => 0,
  });
  const authorize = createAuthorize({ authenticator, rateLimit, publicPaths: ['/health', '/metrics'] });

  it('takes the key from Authorization: Bearer first, then X-API-Key', () => {
    expect(presentedKey(fakeRequest('/', { Authorization: 'Bearer cx_a', 'X-API-Key': 'cx_b' }))).toBe('cx_a');
    expect(presentedKey(fakeRequest('/', { 'X-API-Key': 'cx_b' }))).toBe('cx_b');
    expect(presentedKey(fakeRequest('/', { Authorization: 'Basic abc' }))).toBeUndefined();
  });

  it('records the caller in res.locals.auth and sets RateLimit headers', async () => {
    const res = fakeResponse();
    await authorize(fakeRequest('/api/agents', { 'X-API-Key': 'cx_reader' }), res, 'read');
    expect(res.locals.auth).toEqual({ keyId: 'k1', name: 'reader', scopes: ['read'] });
    expect(res.sent).toMatchObject({ 'RateLimit-Limit': '100', 'RateLimit-Remaining': '99', 'RateLimit-Policy': '100;w=60' });
  });

  it('refuses missing keys with 401 and missing scopes with 403', async () => {
    await expect(authorize(fakeRequest('/api/agents', {}), fakeResponse(), 'read')).rejects.toMatchObject({ status: 401 });
    await expect(authorize(fakeRequest('/api/agents', { 'X-API-Key': 'cx_reader' }), fakeResponse(), 'agents:write')).rejects.toMatchObject({
      status: 403,
    });
  });

  it('lets public routes and public paths through without a key or rate limiting', async () => {
    const res = fakeResponse();
    await expect(authorize(fakeRequest('/anything', {}), res, 'public')).resolves.toBeUndefined();
    await expect(authorize(fakeRequest('/metrics/', {}), res, 'admin')).resolves.toBeUndefined();
    expect(res.sent).toEqual({});
    expect(res.locals.auth).toBeUndefined();
  });

  it('decides at once, without a promise, when the key is known and the count is kept in memory', () => {
    const known: KeyAuthenticator = { ...authenticator, authenticateNow: (key) => (key === 'cx_reader' ? { value: { keyId: 'k1', name: 'reader', scopes: ['read'] } } : undefined) };
    const now = createAuthorizeNow({ authenticator: known, rateLimit, publicPaths: [] });
    const res = fakeResponse();
    expect(now(fakeRequest('/api/agents', { 'X-API-Key': 'cx_reader' }), res, 'read')).toEqual({ keyId: 'k1', name: 'reader', scopes: ['read'] });
    expect(res.sent).toMatchObject({ 'RateLimit-Limit': '100', 'RateLimit-Policy': '100;w=60' });
    expect(() => now(fakeRequest('/api/agents', { 'X-API-Key': 'cx_reader' }), fakeResponse(), 'agents:write')).toThrow(expect.objectContaining({ status: 403 }));
    // An unknown key still goes to the store (a promise) and is refused there.
    return expect(now(fakeRequest('/api/agents', { 'X-API-Key': 'cx_other' }), fakeResponse(), 'read')).rejects.toMatchObject({ status: 401 });
  });
});
