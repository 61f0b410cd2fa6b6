// The API key scopes and the one rule deciding whether a key's scopes cover a route's scope.
//
// The rule (kept deliberately small): `admin` implies every scope; every other scope grants
// only itself. GET/HEAD routes need `read`; a write scope does NOT imply `read`, so a CI key
// that only submits tasks cannot list them. Give a key `read,tasks:write` for both.
// Proxied services (routes the platform does not declare) ask for `read` on GET/HEAD/OPTIONS
// and for ANY write scope (`any:write`: admin or any `*:write`) on other methods.

import type { RouteScope } from '../../platform/http/route';

export type Scope = Exclude<RouteScope, 'public'>;

export const SCOPES: readonly Scope[] = ['admin', 'read', 'agents:write', 'tasks:write', 'workflows:write', 'profiles:write', 'events:write'];

export function isScope(value: string): value is Scope {
  return (SCOPES as readonly string[]).includes(value);
}

/** What a request needs: a route's scope, or `any:write` (proxied writes). */
export type RequiredScope = RouteScope | 'any:write';

/** True when a key holding `granted` may call a route requiring `required`. */
export function scopesAllow(granted: readonly string[], required: RequiredScope): boolean {
  if (required === 'public') return true;
  if (granted.includes('admin')) return true;
  if (required === 'any:write') return granted.some((s) => s.endsWith(':write'));
  return granted.includes(required);
}
