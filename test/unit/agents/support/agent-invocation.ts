// Builds the AgentInvocation the worker would pass to a builtin agent, with a logger that records lines.
import type { AgentInvocation } from '../../../../src/modules/agents/builtin-agent';
import type { LogFields, Logger } from '../../../../src/platform/logger';

export interface RecordedLine {
  level: string;
  message: string;
  fields?: LogFields;
}

export function recordingLogger(lines: RecordedLine[] = []): Logger & { lines: RecordedLine[] } {
  const at =
    (level: string) =>
    (message: string, fields?: LogFields): void => {
      lines.push({ level, message, fields });
    };
  const logger = {
    lines,
    error: at('error'),
    warn: at('warn'),
    info: at('info'),
    http: at('http'),
    debug: at('debug'),
    child: (): Logger => logger,
  };
  return logger;
}

export function invocation(
  agentId: string,
  action: string,
  input: unknown,
  opts: { signal?: AbortSignal; logger?: Logger; attempt?: number } = {},
): AgentInvocation {
  return {
    taskId: 'task-1',
    agentId,
    action,
    input,
    attempt: opts.attempt ?? 1,
    correlationId: null,
    signal: opts.signal ?? new AbortController().signal,
    logger: opts.logger ?? recordingLogger(),
  };
}
