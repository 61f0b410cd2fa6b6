// `catalynx workflows list|run|status`: list definitions, start a run (and follow it with --wait),
// show a run's steps.

import { FINAL_RUN_STATUSES, type CatalynxClient, type WorkflowRun } from '../client';
import { CommandFailedError, UsageError } from './cli-errors';
import { printJson, printLine } from './cli-io';
import { API_OPTIONS, API_OPTIONS_HELP, expectPositionals, parseCommandArgs, parseJsonFlag, parseSecondsFlag } from './command-args';
import { apiClientFor, type CommandContext, type CommandGroup } from './command-context';
import { ExitCode } from './exit-codes';
import { createRunProgress } from './run-progress';
import { runStepRows } from './run-steps-table';
import { compactJson, renderFields, renderTable } from './table';

const DEFAULT_WAIT_SECONDS = 600;
const POLL_INTERVAL_MS = 500;

const HELP = `usage:
  catalynx workflows list
  catalynx workflows run <workflow-id> [--input '<json>'|@file.json] [--idempotency-key <key>]
                         [--wait [--timeout <seconds>]]
  catalynx workflows status <run-id>

--wait shows the steps' progress until the run ends (default limit ${DEFAULT_WAIT_SECONDS} s); the exit
code is then 0 only if the run completed, 1 if it failed, was compensated or cancelled, or is
still running at the limit. With --json the progress goes to stderr and stdout holds the run.

${API_OPTIONS_HELP}`;

export const workflowsCommand: CommandGroup = {
  name: 'workflows',
  summary: 'list workflows, run one (following its steps), show a run',
  help: HELP,
  async run(argv, ctx) {
    const [sub, ...rest] = argv;
    if (sub === 'list') return listWorkflows(rest, ctx);
    if (sub === 'run') return runWorkflow(rest, ctx);
    if (sub === 'status') return showRunStatus(rest, ctx);
    throw new UsageError(sub ? `unknown workflows command "${sub}"` : 'workflows needs a command: list, run or status');
  },
};

async function listWorkflows(argv: readonly string[], ctx: CommandContext): Promise<number> {
  const { values, positionals } = parseCommandArgs(argv, API_OPTIONS);
  expectPositionals(positionals, []);
  const list = await apiClientFor(ctx, values).workflows.list();
  if (values.json) {
    printJson(ctx.io, list);
    return ExitCode.ok;
  }
  if (list.workflows.length === 0) {
    printLine(ctx.io, 'no workflows');
    return ExitCode.ok;
  }
  const rows = list.workflows.map((w) => [w.definition.id, w.definition.name, w.definition.steps.map((s) => s.id).join(' → '), w.source, w.definition.schedule]);
  for (const line of renderTable(rows, ['ID', 'NAME', 'STEPS', 'SOURCE', 'SCHEDULE'])) printLine(ctx.io, line);
  return ExitCode.ok;
}

async function runWorkflow(argv: readonly string[], ctx: CommandContext): Promise<number> {
  const { values, positionals } = parseCommandArgs(argv, {
    ...API_OPTIONS,
    input: { type: 'string' },
    'idempotency-key': { type: 'string' },
    wait: { type: 'boolean' },
    timeout: { type: 'string' },
  });
  const [workflowId] = expectPositionals(positionals, ['workflow-id']);
  const input = values.input === undefined ? undefined : parseJsonFlag('--input', values.input);
  const waitSeconds = parseSecondsFlag('--timeout', values.timeout, DEFAULT_WAIT_SECONDS);
  const api = apiClientFor(ctx, values);
  const accepted = await api.workflows.start(workflowId!, {
    ...(input === undefined ? {} : { input }),
    ...(values['idempotency-key'] ? { idempotency_key: values['idempotency-key'] } : {}),
  });
  if (!values.wait) {
    if (values.json) printJson(ctx.io, accepted);
    else printLine(ctx.io, `run ${accepted.run_id} ${accepted.status}`);
    return ExitCode.ok;
  }
  const json = Boolean(values.json);
  const run = await followRun(api, accepted.run_id, waitSeconds, json, ctx);
  showRun(run, json, ctx);
  if (run.status === 'completed') return ExitCode.ok;
  if (FINAL_RUN_STATUSES.includes(run.status)) {
    throw new CommandFailedError(`run ${run.id} ${run.status}${run.error ? `: ${run.error}` : ''}`);
  }
  throw new CommandFailedError(`run ${run.id} is still ${run.status}; stopped waiting (see --timeout)`);
}

/** Polls the run until it reaches a final status or `seconds` pass, drawing its progress. */
async function followRun(api: CatalynxClient, runId: string, seconds: number, json: boolean, ctx: CommandContext): Promise<WorkflowRun> {
  // Progress is for people: with --json it goes to stderr so stdout stays one JSON document.
  const progress = createRunProgress(json ? ctx.io.stderr : ctx.io.stdout, ctx.io.now);
  let last: WorkflowRun | undefined;
  try {
    for await (const run of api.runs.watch(runId, { timeoutMs: seconds * 1000, pollIntervalMs: POLL_INTERVAL_MS })) {
      progress.update(run);
      last = run;
    }
    return last!;
  } finally {
    progress.finish();
  }
}

async function showRunStatus(argv: readonly string[], ctx: CommandContext): Promise<number> {
  const { values, positionals } = parseCommandArgs(argv, API_OPTIONS);
  const [runId] = expectPositionals(positionals, ['run-id']);
  const run = await apiClientFor(ctx, values).runs.get(runId!);
  showRun(run, Boolean(values.json), ctx);
  return ExitCode.ok;
}

function showRun(run: WorkflowRun, json: boolean, ctx: CommandContext): void {
  if (json) {
    printJson(ctx.io, run);
    return;
  }
  const fields = renderFields([
    ['run', run.id],
    ['workflow', run.workflow_id],
    ['status', run.status],
    ['started', run.created_at],
    ['finished', run.finished_at],
    ['error', run.error],
  ]);
  for (const line of fields) printLine(ctx.io, line);
  printLine(ctx.io);
  const rows = runStepRows(run).map((row, i) => [...row, run.steps[i]!.error ?? compactJson(run.steps[i]!.output)]);
  for (const line of renderTable(rows, ['STEP', 'AGENT / DOES', 'STATUS', 'ATTEMPTS', 'OUTPUT / ERROR'])) printLine(ctx.io, line);
}
