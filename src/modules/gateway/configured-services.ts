// Services declared in configuration (GATEWAY_SERVICES): validated like POST /api/services and
// stored at web start-up, so a deploy can attach its upstreams without an API call.

import { RegisterServiceSchema, normalizeRoutes, routeProblems } from './service-routes';
import type { OutboundPolicy } from './outbound-policy';
import type { ServiceStore } from './service-store';

export class ConfiguredServicesError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`GATEWAY_SERVICES is invalid:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfiguredServicesError';
  }
}

export async function syncConfiguredServices(opts: {
  services: readonly unknown[];
  store: ServiceStore;
  outbound: OutboundPolicy;
  declaredPaths: readonly string[];
}): Promise<string[]> {
  const problems: string[] = [];
  const valid: { name: string; base_url: string; routes: string[]; health_url: string | null; timeout_ms: number | null }[] = [];
  for (const [i, raw] of opts.services.entries()) {
    const parsed = RegisterServiceSchema.safeParse(raw);
    if (!parsed.success) {
      for (const issue of parsed.error.issues) problems.push(`[${i}].${issue.path.join('.')}: ${issue.message}`);
      continue;
    }
    const s = parsed.data;
    const routes = normalizeRoutes(s.routes);
    problems.push(...routeProblems(routes, opts.declaredPaths).map((p) => `[${i}] ${s.name}: ${p}`));
    for (const url of [s.base_url, s.health_url].filter((u): u is string => Boolean(u))) {
      await opts.outbound.checkUrl(url).catch((err: Error) => problems.push(`[${i}] ${s.name}: ${err.message}`));
    }
    valid.push({ name: s.name, base_url: s.base_url, routes, health_url: s.health_url ?? null, timeout_ms: s.timeout_ms ?? null });
  }
  const names = valid.map((v) => v.name);
  const duplicate = names.find((n, i) => names.indexOf(n) !== i);
  if (duplicate) problems.push(`service "${duplicate}" is declared twice`);
  if (problems.length > 0) throw new ConfiguredServicesError(problems);
  for (const service of valid) await opts.store.put(service);
  return names;
}
