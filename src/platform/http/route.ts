// A route is declared once: method, path, scope and schemas. The same declaration mounts the
// Express handler, validates requests, answers 405s and feeds the OpenAPI document.

import type { Request, Response } from 'express';
import type { z } from 'zod';

export type HttpMethod = 'get' | 'post' | 'put' | 'patch' | 'delete';

/** Who may call a route: `public` needs no key; otherwise a key holding this scope (or admin). */
export type RouteScope =
  | 'public'
  | 'read'
  | 'admin'
  | 'agents:write'
  | 'tasks:write'
  | 'workflows:write'
  | 'profiles:write'
  | 'events:write';

export interface ResponseSpec {
  description: string;
  schema?: z.ZodType;
}

export interface RequestInput<B, Q, P> {
  req: Request;
  res: Response;
  body: B;
  query: Q;
  params: P;
}

export interface Reply {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

export interface RouteSpec<B = unknown, Q = unknown, P = unknown> {
  method: HttpMethod;
  /** Express-style path with `:param` segments. */
  path: string;
  summary: string;
  tags: string[];
  scope: RouteScope;
  body?: z.ZodType<B>;
  query?: z.ZodType<Q>;
  params?: z.ZodType<P>;
  responses: Record<number, ResponseSpec>;
  /** Returns a Reply, or undefined when it wrote the response itself (streams, proxies). */
  handler(input: RequestInput<B, Q, P>): Promise<Reply | undefined> | Reply | undefined;
}

/** Keeps the generic parameters inferred from the schemas at the declaration site. */
export function defineRoute<B = unknown, Q = unknown, P = unknown>(spec: RouteSpec<B, Q, P>): RouteSpec {
  return spec as unknown as RouteSpec;
}

/** A pattern matching the concrete paths of an Express-style path (":id" → one segment). */
export function pathPattern(path: string): RegExp {
  const escaped = path
    .split('/')
    .map((seg) => (seg.startsWith(':') ? '[^/]+' : seg.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')))
    .join('/');
  return new RegExp(`^${escaped}/?$`);
}
