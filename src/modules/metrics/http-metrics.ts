// The request-duration histogram, labelled by the declared route (never the raw URL, whose ids
// would make one series per resource) so its cardinality stays bounded.

import { Histogram, type Registry } from 'prom-client';

export interface FinishedRequest {
  method: string;
  /** The declared route path (`/api/tasks/:id`), or `unmatched` for a 404. */
  route: string;
  status: number;
  durationMs: number;
}

export type RequestObserver = (info: FinishedRequest) => void;

const BUCKETS = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/**
 * `isDeclaredRoute` bounds the label: create-app reports the raw path for requests no declared
 * route answered (proxied calls, 405s), and those are all counted under `other`.
 */
export function createHttpMetrics(registry: Registry, isDeclaredRoute: (route: string) => boolean): RequestObserver {
  const duration = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'Duration of HTTP requests, by method, declared route and status',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: BUCKETS,
    registers: [registry],
  });
  return ({ method, route, status, durationMs }) => {
    const label = route === 'unmatched' || isDeclaredRoute(route) ? route : 'other';
    duration.observe({ method, route: label, status: String(status) }, durationMs / 1000);
  };
}
