// `catalynx agents list|register`: discover the registry, register (or update) a remote agent.

import type { ApiTypes } from '../client';
import { UsageError } from './cli-errors';
import { printJson, printLine } from './cli-io';
import { API_OPTIONS, API_OPTIONS_HELP, expectPositionals, parseCommandArgs, readJsonFile } from './command-args';
import { apiClientFor, type CommandContext, type CommandGroup } from './command-context';
import { ExitCode } from './exit-codes';
import { renderFields, renderTable } from './table';

const HELP = `usage:
  catalynx agents list [--capability <c>] [--status unknown|healthy|unhealthy]
  catalynx agents register --id <id> --name <name> --endpoint <url> --version <v>
                           [--capabilities a,b] [--health-check-url <url>]
  catalynx agents register --file agent.json

${API_OPTIONS_HELP}`;

export const agentsCommand: CommandGroup = {
  name: 'agents',
  summary: 'list registered agents, register a remote agent',
  help: HELP,
  async run(argv, ctx) {
    const [sub, ...rest] = argv;
    if (sub === 'list') return listAgents(rest, ctx);
    if (sub === 'register') return registerAgent(rest, ctx);
    throw new UsageError(sub ? `unknown agents command "${sub}"` : 'agents needs a command: list or register');
  },
};

async function listAgents(argv: readonly string[], ctx: CommandContext): Promise<number> {
  const { values, positionals } = parseCommandArgs(argv, { ...API_OPTIONS, capability: { type: 'string' }, status: { type: 'string' } });
  expectPositionals(positionals, []);
  const registry = await apiClientFor(ctx, values).agents.list({
    capability: values.capability,
    // The API validates the value and names the allowed ones when it is wrong.
    status: values.status as ApiTypes.Agent['status'] | undefined,
  });
  if (values.json) {
    printJson(ctx.io, registry);
    return ExitCode.ok;
  }
  if (registry.agents.length === 0) {
    printLine(ctx.io, 'no agents');
    return ExitCode.ok;
  }
  const rows = registry.agents.map((a) => [a.id, a.name, a.runtime, a.status, a.version, a.capabilities.join(','), a.circuit_breaker.state]);
  for (const line of renderTable(rows, ['ID', 'NAME', 'RUNTIME', 'STATUS', 'VERSION', 'CAPABILITIES', 'CIRCUIT'])) printLine(ctx.io, line);
  printLine(ctx.io, `${registry.total_count} agent(s), ${registry.healthy_count} healthy`);
  return ExitCode.ok;
}

async function registerAgent(argv: readonly string[], ctx: CommandContext): Promise<number> {
  const { values, positionals } = parseCommandArgs(argv, {
    ...API_OPTIONS,
    file: { type: 'string' },
    id: { type: 'string' },
    name: { type: 'string' },
    endpoint: { type: 'string' },
    version: { type: 'string' },
    capabilities: { type: 'string' },
    'health-check-url': { type: 'string' },
  });
  expectPositionals(positionals, []);
  const fromFlags = [values.id, values.name, values.endpoint, values.version, values.capabilities, values['health-check-url']].some((v) => v !== undefined);
  let agent: ApiTypes.RegisterAgentInput;
  if (values.file !== undefined) {
    if (fromFlags) throw new UsageError('give either --file or the agent flags, not both');
    // Sent as read: the API validates it and lists every problem.
    agent = readJsonFile('--file', values.file) as ApiTypes.RegisterAgentInput;
  } else {
    const missing = (['id', 'name', 'endpoint', 'version'] as const).filter((f) => !values[f]);
    if (missing.length) throw new UsageError(`register needs ${missing.map((f) => `--${f}`).join(', ')} (or --file)`);
    agent = {
      id: values.id!,
      name: values.name!,
      endpoint: values.endpoint!,
      version: values.version!,
      capabilities: (values.capabilities ?? '').split(',').map((c) => c.trim()).filter(Boolean),
      ...(values['health-check-url'] ? { health_check_url: values['health-check-url'] } : {}),
    };
  }
  const { agent: body, created } = await apiClientFor(ctx, values).agents.register(agent);
  if (values.json) {
    printJson(ctx.io, body);
    return ExitCode.ok;
  }
  printLine(ctx.io, `${created ? 'registered' : 'updated'} agent ${body.id}`);
  const fields = renderFields([
    ['name', body.name],
    ['endpoint', body.endpoint],
    ['version', body.version],
    ['capabilities', body.capabilities.join(',')],
    ['health check', body.health_check_url],
    ['status', body.status],
  ]);
  for (const line of fields) printLine(ctx.io, `  ${line}`);
  return ExitCode.ok;
}
