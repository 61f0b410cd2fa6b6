// Structured JSON logging to stdout (Factor XI): one object per line, with correlation id and process type.

import winston from 'winston';
import type { LogLevel } from '../config';
import type { ExecutionContext } from './context';

export type LogFields = Record<string, unknown>;

export interface Logger {
  error(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  info(message: string, fields?: LogFields): void;
  http(message: string, fields?: LogFields): void;
  debug(message: string, fields?: LogFields): void;
  /** A logger for a component: its lines carry `logger: name`. */
  child(name: string): Logger;
}

export interface LoggerOptions {
  level: LogLevel;
  processType: string;
  context?: ExecutionContext;
  /** Where lines go; stdout by default. Tests pass a stream to read them back. */
  stream?: NodeJS.WritableStream;
}

/** Errors become plain fields (name, message, stack) instead of `{}` in JSON. */
function serialise(fields: LogFields | undefined): LogFields {
  if (!fields) return {};
  const out: LogFields = {};
  for (const [k, v] of Object.entries(fields)) {
    out[k] = v instanceof Error ? { name: v.name, message: v.message, stack: v.stack } : v;
  }
  return out;
}

export function createLogger(opts: LoggerOptions): { logger: Logger; close(): Promise<void> } {
  const base = winston.createLogger({
    level: opts.level,
    format: winston.format.printf((info) => {
      const { level, message, timestamp, logger, ...rest } = info as winston.Logform.TransformableInfo & LogFields;
      // Symbols winston adds (level/message/splat) are not own enumerable string keys of `rest`.
      return JSON.stringify({
        timestamp,
        level,
        logger,
        message,
        correlation_id: opts.context?.correlationId() ?? null,
        process_type: opts.processType,
        pid: process.pid,
        ...rest,
      });
    }),
    transports: [
      opts.stream
        ? new winston.transports.Stream({ stream: opts.stream })
        : new winston.transports.Console(),
    ],
  });

  // The level is fixed for the logger's life, so which levels pass is decided once (winston's own
  // check walks its levels and transports on every call, twice per task attempt in the worker).
  const levels = base.levels;
  const passes = (level: LogLevel) => levels[level]! <= levels[opts.level]!;

  function make(name: string): Logger {
    const write = (level: LogLevel) => {
      // Filtered lines cost nothing: winston would build and stream them before dropping them.
      if (!passes(level)) return () => undefined;
      return (message: string, fields?: LogFields) => {
        base.log({ level, message, logger: name, timestamp: new Date().toISOString(), ...serialise(fields) });
      };
    };
    return {
      error: write('error'),
      warn: write('warn'),
      info: write('info'),
      http: write('http'),
      debug: write('debug'),
      child: (child: string) => make(`${name}.${child}`),
    };
  }

  return {
    logger: make('catalynx'),
    close: () =>
      new Promise<void>((resolve) => {
        base.on('finish', () => resolve());
        base.end();
        // A Console transport may never emit finish on some streams; do not hang shutdown on it.
        setTimeout(resolve, 200).unref();
      }),
  };
}
