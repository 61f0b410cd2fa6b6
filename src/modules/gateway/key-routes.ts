// POST/GET /api/keys and DELETE /api/keys/:id (admin only): create a key (shown once), list keys (never key material), revoke.

import { z } from 'zod';
import { NotFoundError } from '../../platform/errors';
import { defineRoute, type RouteSpec } from '../../platform/http/route';
import type { Notifier } from '../../platform/notifier';
import type { ApiKeyRecord, ApiKeyStore } from './api-key-store';
import { KEYS_CHANNEL, type KeyAuthenticator } from './key-authenticator';
import { SCOPES } from './scopes';

export const CreateApiKeySchema = z
  .object({
    name: z.string().trim().min(1).max(100),
    scopes: z.array(z.enum(SCOPES as [string, ...string[]])).min(1),
  })
  .strict()
  .meta({ id: 'CreateApiKey' });

export const ApiKeySchema = z
  .object({
    id: z.string(),
    name: z.string(),
    prefix: z.string(),
    scopes: z.array(z.string()),
    created_at: z.string(),
    revoked_at: z.string().nullable(),
    last_used_at: z.string().nullable(),
  })
  .meta({ id: 'ApiKey' });

const CreatedApiKeySchema = z
  .object({ id: z.string(), key: z.string(), name: z.string(), prefix: z.string(), scopes: z.array(z.string()), created_at: z.string() })
  .meta({ id: 'CreatedApiKey' });

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

export function toApiKeyView(record: ApiKeyRecord): z.infer<typeof ApiKeySchema> {
  return {
    id: record.id,
    name: record.name,
    prefix: record.prefix,
    scopes: record.scopes,
    created_at: new Date(record.created_at).toISOString(),
    revoked_at: iso(record.revoked_at),
    last_used_at: iso(record.last_used_at),
  };
}

export function keyRoutes(deps: { store: ApiKeyStore; authenticator: KeyAuthenticator; notifier: Notifier }): RouteSpec[] {
  return [
    defineRoute({
      method: 'post',
      path: '/api/keys',
      summary: 'Create an API key; the key itself is in this response only',
      tags: ['keys'],
      scope: 'admin',
      body: CreateApiKeySchema,
      responses: { 201: { description: 'Created', schema: CreatedApiKeySchema } },
      async handler({ body }) {
        const created = await deps.store.create({ name: body.name, scopes: body.scopes });
        return {
          status: 201,
          headers: { 'Cache-Control': 'no-store' },
          body: {
            id: created.id,
            key: created.key,
            name: created.name,
            prefix: created.prefix,
            scopes: created.scopes,
            created_at: new Date(created.created_at).toISOString(),
          },
        };
      },
    }),
    defineRoute({
      method: 'get',
      path: '/api/keys',
      summary: 'List API keys (prefix and metadata only)',
      tags: ['keys'],
      scope: 'admin',
      responses: { 200: { description: 'Keys', schema: z.object({ keys: z.array(ApiKeySchema) }) } },
      async handler() {
        return { status: 200, body: { keys: (await deps.store.list()).map(toApiKeyView) } };
      },
    }),
    defineRoute({
      method: 'delete',
      path: '/api/keys/:id',
      summary: 'Revoke an API key at once, in every web process',
      tags: ['keys'],
      scope: 'admin',
      params: z.object({ id: z.string().min(1).max(100) }),
      responses: { 204: { description: 'Revoked' }, 404: { description: 'No active key with this id' } },
      async handler({ params }) {
        if (!(await deps.store.revoke(params.id))) throw new NotFoundError('API key', params.id);
        deps.authenticator.clearCache();
        deps.notifier.publish(KEYS_CHANNEL, params.id);
        return { status: 204 };
      },
    }),
  ];
}
