// The /dashboard routes: the operator page, its script and its stylesheet, each with a strict
// Content-Security-Policy. They are public (no data in them); the script reads the API with the
// operator's key, so the page is only as powerful as the key typed into it.

import type { Response } from 'express';
import { defineRoute, type RouteSpec } from '../../platform/http/route';
import { DASHBOARD_PAGE } from './dashboard-page';
import { DASHBOARD_SCRIPT } from './dashboard-script';
import { DASHBOARD_STYLES } from './dashboard-styles';

/**
 * Only this origin's script and stylesheet run (no inline code, no eval, no CDN); fetches go to
 * this origin only; the page cannot be framed (clickjacking) nor post forms anywhere.
 */
export const DASHBOARD_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "connect-src 'self'",
  "img-src 'self' data:",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

const SECURITY_HEADERS: Record<string, string> = {
  'Content-Security-Policy': DASHBOARD_CSP,
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'X-Frame-Options': 'DENY',
  // The assets change with each deploy and carry no version in their names: revalidate every time.
  'Cache-Control': 'no-cache',
};

/** Writes the body itself (create-app would JSON-encode a returned body) and returns undefined. */
function send(res: Response, contentType: string, body: string): undefined {
  res.status(200).set({ ...SECURITY_HEADERS, 'Content-Type': contentType }).send(body);
  return undefined;
}

export function dashboardRoutes(): RouteSpec[] {
  return [
    defineRoute({
      method: 'get',
      path: '/dashboard',
      summary: 'The operator dashboard (HTML; it reads the API with a key the operator enters)',
      tags: ['dashboard'],
      scope: 'public',
      responses: { 200: { description: 'The dashboard page (text/html)' } },
      handler: ({ res }) => send(res, 'text/html; charset=utf-8', DASHBOARD_PAGE),
    }),
    defineRoute({
      method: 'get',
      path: '/dashboard/app.js',
      summary: "The dashboard's script",
      tags: ['dashboard'],
      scope: 'public',
      responses: { 200: { description: 'JavaScript (text/javascript)' } },
      handler: ({ res }) => send(res, 'text/javascript; charset=utf-8', DASHBOARD_SCRIPT),
    }),
    defineRoute({
      method: 'get',
      path: '/dashboard/app.css',
      summary: "The dashboard's stylesheet",
      tags: ['dashboard'],
      scope: 'public',
      responses: { 200: { description: 'CSS (text/css)' } },
      handler: ({ res }) => send(res, 'text/css; charset=utf-8', DASHBOARD_STYLES),
    }),
  ];
}
