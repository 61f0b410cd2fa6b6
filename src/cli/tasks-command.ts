// `catalynx tasks submit|get|retry`: queue a task for an agent, inspect it, re-queue a failed one;
// `--wait` follows the task to its end and makes the exit code say how it ended.

import { FINISHED_TASK_STATUSES, type Task } from '../client';
import { CommandFailedError, UsageError } from './cli-errors';
import { printJson, printLine } from './cli-io';
import { API_OPTIONS, API_OPTIONS_HELP, expectPositionals, parseCommandArgs, parseJsonFlag, parseSecondsFlag } from './command-args';
import { apiClientFor, type CommandContext, type CommandGroup } from './command-context';
import { ExitCode } from './exit-codes';
import { compactJson, renderFields } from './table';

const DEFAULT_WAIT_SECONDS = 300;

const HELP = `usage:
  catalynx tasks submit <agent-id> --action <action> [--input '<json>'|@file.json]
                        [--idempotency-key <key>] [--wait [--timeout <seconds>]]
  catalynx tasks get <task-id> [--wait [--timeout <seconds>]]
  catalynx tasks retry <task-id> [--wait [--timeout <seconds>]]

--wait follows the task until it finishes (default limit ${DEFAULT_WAIT_SECONDS} s); the exit code
is then 0 only if it succeeded, 1 if it failed, was cancelled or is still running at the limit.

${API_OPTIONS_HELP}`;

const WAIT_OPTIONS = { wait: { type: 'boolean' }, timeout: { type: 'string' } } as const;

export const tasksCommand: CommandGroup = {
  name: 'tasks',
  summary: 'submit a task to an agent, show a task, retry a failed task',
  help: HELP,
  async run(argv, ctx) {
    const [sub, ...rest] = argv;
    if (sub === 'submit') return submitTask(rest, ctx);
    if (sub === 'get') return getTask(rest, ctx);
    if (sub === 'retry') return retryTask(rest, ctx);
    throw new UsageError(sub ? `unknown tasks command "${sub}"` : 'tasks needs a command: submit, get or retry');
  },
};

async function submitTask(argv: readonly string[], ctx: CommandContext): Promise<number> {
  const { values, positionals } = parseCommandArgs(argv, {
    ...API_OPTIONS,
    ...WAIT_OPTIONS,
    action: { type: 'string' },
    input: { type: 'string' },
    'idempotency-key': { type: 'string' },
  });
  const [agentId] = expectPositionals(positionals, ['agent-id']);
  if (!values.action) throw new UsageError('submit needs --action');
  const input = values.input === undefined ? undefined : parseJsonFlag('--input', values.input);
  const waitSeconds = parseSecondsFlag('--timeout', values.timeout, DEFAULT_WAIT_SECONDS);
  const api = apiClientFor(ctx, values);
  const accepted = await api.tasks.execute(agentId!, {
    action: values.action,
    ...(input === undefined ? {} : { input }),
    ...(values['idempotency-key'] ? { idempotency_key: values['idempotency-key'] } : {}),
  });
  if (!values.wait) {
    if (values.json) printJson(ctx.io, accepted);
    else printLine(ctx.io, `task ${accepted.task_id} ${accepted.status}`);
    return ExitCode.ok;
  }
  return showFinished(await api.tasks.waitFor(accepted.task_id, { timeoutMs: waitSeconds * 1000 }), Boolean(values.json), ctx);
}

async function getTask(argv: readonly string[], ctx: CommandContext): Promise<number> {
  const { values, positionals } = parseCommandArgs(argv, { ...API_OPTIONS, ...WAIT_OPTIONS });
  const [id] = expectPositionals(positionals, ['task-id']);
  const waitSeconds = parseSecondsFlag('--timeout', values.timeout, DEFAULT_WAIT_SECONDS);
  const api = apiClientFor(ctx, values);
  if (values.wait) return showFinished(await api.tasks.waitFor(id!, { timeoutMs: waitSeconds * 1000 }), Boolean(values.json), ctx);
  const task = await api.tasks.get(id!);
  showTask(task, Boolean(values.json), ctx);
  return ExitCode.ok;
}

async function retryTask(argv: readonly string[], ctx: CommandContext): Promise<number> {
  const { values, positionals } = parseCommandArgs(argv, { ...API_OPTIONS, ...WAIT_OPTIONS });
  const [id] = expectPositionals(positionals, ['task-id']);
  const waitSeconds = parseSecondsFlag('--timeout', values.timeout, DEFAULT_WAIT_SECONDS);
  const api = apiClientFor(ctx, values);
  const task = await api.tasks.retry(id!);
  if (values.wait) return showFinished(await api.tasks.waitFor(task.id, { timeoutMs: waitSeconds * 1000 }), Boolean(values.json), ctx);
  if (values.json) printJson(ctx.io, task);
  else printLine(ctx.io, `task ${task.id} re-queued (${task.status}, ${task.max_attempts} attempt(s))`);
  return ExitCode.ok;
}

/** Prints the task; a task that did not succeed fails the command (exit 1). */
function showFinished(task: Task, json: boolean, ctx: CommandContext): number {
  showTask(task, json, ctx);
  if (task.status === 'succeeded') return ExitCode.ok;
  if (FINISHED_TASK_STATUSES.includes(task.status)) {
    throw new CommandFailedError(`task ${task.id} ${task.status}${task.last_error ? `: ${task.last_error}` : ''}`);
  }
  throw new CommandFailedError(`task ${task.id} is still ${task.status}; stopped waiting (see --timeout)`);
}

function showTask(task: Task, json: boolean, ctx: CommandContext): void {
  if (json) {
    printJson(ctx.io, task);
    return;
  }
  const fields = renderFields([
    ['task', task.id],
    ['agent', task.agent_id],
    ['action', task.action],
    ['status', task.status],
    ['attempts', `${task.attempts}/${task.max_attempts}`],
    ['created', task.created_at],
    ['finished', task.finished_at],
    ...(task.workflow_run_id ? ([['workflow run', `${task.workflow_run_id} (step ${task.workflow_step_id ?? '-'})`]] as const) : []),
    ['last error', task.last_error],
    ['input', compactJson(task.input)],
    ['result', compactJson(task.result)],
  ]);
  for (const line of fields) printLine(ctx.io, line);
}
