// Feature flags through the REST API on each database: file flags, overrides with history, evaluation, bad input.

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTestDatabase, describeEachDatabase, type TestDatabase } from '../support/services';
import { loadConfig } from '../../src/config';
import { createPlatform } from '../../src/processes/platform';
import { buildServices, initializeServices } from '../../src/processes/services';
import { startInProcessStack, startInProcessWeb, type InProcessStack } from '../support/in-process';

const SHIPPED_FLAGS = join(__dirname, '..', '..', 'config', 'feature_flags.yml');

describeEachDatabase('feature flags API', (kind) => {
  let db: TestDatabase;
  let stack: InProcessStack;

  beforeAll(async () => {
    db = await createTestDatabase(kind);
    await (await db.open()).close();
    stack = await startInProcessStack({ DATABASE_URL: db.url, FEATURE_FLAGS_PATH: SHIPPED_FLAGS, RATE_LIMIT_REQUESTS: '100000' });
  });
  afterAll(async () => {
    await stack?.stop();
    await db?.cleanup();
  });

  const historyOf = async (name: string) => (await stack.api(`/api/flags/${name}/history`)).body.history as unknown[];

  it('lists the flags of the shipped file with source file', async () => {
    const res = await stack.api('/api/flags');
    expect(res.status).toBe(200);
    const byName = Object.fromEntries((res.body.flags as { name: string }[]).map((f) => [f.name, f]));
    expect(byName.gpt5_analysis).toMatchObject({ state: 'rollout', rollout_percentage: 25, source: 'file', description: 'Use GPT-5 for enhanced analysis' });
    expect(byName.enhanced_bmf_discovery).toMatchObject({ state: 'enabled', source: 'file' });
    expect(byName.real_time_notifications).toMatchObject({ state: 'disabled', source: 'file' });
    expect((await stack.api('/api/flags/enhanced_bmf_discovery')).body).toMatchObject({ name: 'enhanced_bmf_discovery', conditions: [] });
    expect((await stack.api('/api/flags/no_such_flag')).status).toBe(404);
    // The interface code uses answers from the same flags.
    expect(stack.services.flags?.isEnabled('enhanced_bmf_discovery')).toBe(true);
    expect(stack.services.flags?.isEnabled('real_time_notifications')).toBe(false);
  });

  it('PUT overrides a flag; the history shows before, after and the actor', async () => {
    const put = await stack.api('/api/flags/real_time_notifications', {
      method: 'PUT',
      json: { state: 'enabled', conditions: { plan: ['pro', 'enterprise'] }, description: 'on for paying plans' },
    });
    expect(put.status).toBe(200);
    expect(put.body).toMatchObject({ name: 'real_time_notifications', state: 'enabled', source: 'api' });
    expect((await stack.api('/api/flags/real_time_notifications')).body).toMatchObject({
      state: 'enabled',
      source: 'api',
      conditions: [{ attribute: 'plan', operator: 'in', values: ['pro', 'enterprise'] }],
    });

    const history = await historyOf('real_time_notifications');
    expect(history).toHaveLength(1);
    expect(history[0]).toMatchObject({
      version: 1,
      timestamp: expect.any(String),
      actor: expect.any(String),
      before: { state: 'disabled', source: 'file', description: 'WebSocket-based real-time updates' },
      after: { state: 'enabled', source: 'api', description: 'on for paying plans' },
    });

    const evaluate = (context: Record<string, unknown>) =>
      stack.api('/api/flags/real_time_notifications/evaluate', { method: 'POST', json: { context } });
    expect((await evaluate({ user_id: 'u1', plan: 'pro' })).body).toEqual({ enabled: true, reason: 'enabled' });
    expect((await evaluate({ user_id: 'u1', plan: 'free' })).body).toEqual({ enabled: false, reason: 'conditions_not_met' });

    // The same content again is no change: no new history entry.
    await stack.api('/api/flags/real_time_notifications', {
      method: 'PUT',
      json: { state: 'enabled', conditions: { plan: ['pro', 'enterprise'] }, description: 'on for paying plans' },
    });
    expect(await historyOf('real_time_notifications')).toHaveLength(1);
  });

  it('creates a new flag through PUT and records it in the history with no before', async () => {
    const put = await stack.api('/api/flags/brand_new', { method: 'PUT', json: { state: 'rollout', rollout_percentage: 50 } });
    expect(put.status).toBe(200);
    expect(await historyOf('brand_new')).toEqual([expect.objectContaining({ version: 1, before: null, after: expect.objectContaining({ rollout_percentage: 50 }) })]);
  });

  it('records the calling API key as the actor', async () => {
    const created = await stack.api('/api/keys', { method: 'POST', json: { name: 'flag-editor', scopes: ['admin'] } });
    expect(created.status).toBe(201);
    const res = await fetch(`${stack.url}/api/flags/keyed_flag`, {
      method: 'PUT',
      headers: { Authorization: `Bearer ${created.body.key}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ state: 'enabled' }),
    });
    expect(res.status).toBe(200);
    expect(await historyOf('keyed_flag')).toEqual([expect.objectContaining({ actor: created.body.id })]);
  });

  it('evaluates rollouts per user id and answers unknown flags with unknown_flag', async () => {
    const evaluate = (name: string, body: unknown) => stack.api(`/api/flags/${name}/evaluate`, { method: 'POST', json: body });
    const decisions = await Promise.all(
      Array.from({ length: 40 }, (_, i) => evaluate('gpt5_analysis', { context: { user_id: `user-${i}` } })),
    );
    const reasons = new Set(decisions.map((d) => d.body.reason));
    expect(decisions.every((d) => d.status === 200)).toBe(true);
    expect([...reasons].every((r) => r === 'in_rollout' || r === 'outside_rollout')).toBe(true);
    expect((await evaluate('gpt5_analysis', { context: {} })).body).toEqual({ enabled: false, reason: 'no_user_id' });
    expect((await evaluate('gpt5_analysis', {})).body).toEqual({ enabled: false, reason: 'no_user_id' });
    // A numeric id is the same user as its text.
    expect((await evaluate('gpt5_analysis', { context: { user_id: 7 } })).body).toEqual((await evaluate('gpt5_analysis', { context: { user_id: '7' } })).body);

    const unknown = await evaluate('does_not_exist', { context: { user_id: 'u1' } });
    expect(unknown.status).toBe(200);
    expect(unknown.body).toEqual({ enabled: false, reason: 'unknown_flag' });
    expect(stack.services.flags?.evaluate('does_not_exist', { user_id: 'u1' })).toEqual({ enabled: false, reason: 'unknown_flag' });
  });

  it('rejects bad bodies with 400 listing the problems, and changes nothing', async () => {
    const before = await stack.api('/api/flags/gpt5_analysis');
    const historyBefore = await historyOf('gpt5_analysis');
    const bad: unknown[] = [
      { state: 'sometimes' },
      { state: 'rollout' },
      { state: 'rollout', rollout_percentage: 150 },
      { state: 'enabled', rollout_percent: 10 },
      { state: 'enabled', conditions: [{ attribute: 'plan', operator: 'like', value: 'x' }] },
      { state: 'enabled', name: 'another_name' },
      [1, 2],
    ];
    for (const body of bad) {
      const res = await stack.api('/api/flags/gpt5_analysis', { method: 'PUT', json: body });
      expect({ body, status: res.status, code: res.body.error?.code }).toEqual({ body, status: 400, code: 'validation_failed' });
    }
    const res = await stack.api('/api/flags/gpt5_analysis', { method: 'PUT', json: { state: 'rollout', rollout_percentage: 101, rollout_percent: 1 } });
    expect(res.body.error.details.problems).toEqual(
      expect.arrayContaining(['gpt5_analysis.rollout_percentage: must be between 0 and 100', 'gpt5_analysis.rollout_percent: is not a known field']),
    );
    expect((await stack.api('/api/flags/Bad:Name', { method: 'PUT', json: { state: 'enabled' } })).status).toBe(400);
    expect((await stack.api('/api/flags/gpt5_analysis/evaluate', { method: 'POST', json: { context: { user_id: { id: 1 } } } })).status).toBe(400);

    expect((await stack.api('/api/flags/gpt5_analysis')).body).toEqual(before.body);
    expect(await historyOf('gpt5_analysis')).toEqual(historyBefore);
    expect((await stack.api('/api/flags/Bad:Name/history')).status).toBe(404);
  });

  it('needs the admin scope to change a flag and the read scope to see flags', async () => {
    const reader = await stack.api('/api/keys', { method: 'POST', json: { name: 'reader', scopes: ['read'] } });
    const as = (key: string | undefined, path: string, init: RequestInit = {}) =>
      fetch(`${stack.url}${path}`, {
        ...init,
        headers: { ...(key ? { Authorization: `Bearer ${key}` } : {}), 'Content-Type': 'application/json' },
      });
    expect((await as(undefined, '/api/flags')).status).toBe(401);
    expect((await as(reader.body.key, '/api/flags')).status).toBe(200);
    expect((await as(reader.body.key, '/api/flags/gpt5_analysis', { method: 'PUT', body: JSON.stringify({ state: 'enabled' }) })).status).toBe(403);
  });

  it('a restart keeps API overrides over the file and takes file changes for file flags', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'catalynx-flags-'));
    try {
      const file = join(dir, 'flags.yml');
      // real_time_notifications was overridden through the API above; enhanced_bmf_discovery was not.
      writeFileSync(file, 'features:\n  real_time_notifications:\n    state: disabled\n  enhanced_bmf_discovery:\n    state: disabled\n');
      const second = await startInProcessWeb({ DATABASE_URL: db.url, FEATURE_FLAGS_PATH: file });
      try {
        expect(second.services.flags?.evaluate('real_time_notifications', { plan: 'pro' })).toEqual({ enabled: true, reason: 'enabled' });
        expect(second.services.flags?.evaluate('enhanced_bmf_discovery')).toEqual({ enabled: false, reason: 'disabled' });
      } finally {
        await second.stop();
      }

      writeFileSync(file, 'features:\n  broken:\n    state: rollout\n    rollout_percentage: 300\n');
      const platform = createPlatform('web', loadConfig({ LOG_LEVEL: 'error', NODE_ENV: 'test', DATABASE_URL: db.url, FEATURE_FLAGS_PATH: file }));
      try {
        await expect(initializeServices(buildServices(platform))).rejects.toThrow(
          /invalid flags file .*flags\.yml[\s\S]*broken\.rollout_percentage: must be between 0 and 100/,
        );
      } finally {
        await platform.shutdown.run('test finished');
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
