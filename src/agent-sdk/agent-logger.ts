// Where the SDK reports what it does (registration, heartbeats, failed attempts). Silent by default:
// a library does not write to the application's stdout unless asked.

export interface AgentLogger {
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

export const silentLogger: AgentLogger = Object.freeze({
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
});

/** One JSON object per line on stdout, the platform's own log format (for an agent's entrypoint). */
export function jsonLineLogger(name: string, write: (line: string) => void = (l) => void process.stdout.write(l)): AgentLogger {
  const log = (level: string) => (message: string, fields: Record<string, unknown> = {}) =>
    write(`${JSON.stringify({ timestamp: new Date().toISOString(), level, logger: name, message, pid: process.pid, ...fields })}\n`);
  return { info: log('info'), warn: log('warn'), error: log('error') };
}
