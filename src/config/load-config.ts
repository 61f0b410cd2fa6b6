// Turns an environment record into one validated, frozen Config, or a ConfigError naming every bad variable.

import type { AgentSettings, Config, DatabaseTarget, LogLevel, NodeEnv } from './config';
import { ConfigError, type ConfigProblem } from './config-error';
import { parseDatabaseUrl } from './database-url';
import {
  boolean,
  byteSize,
  durationSeconds,
  integer,
  jsonArray,
  list,
  minLength,
  nonEmpty,
  oneOf,
  scopeLimits,
  url,
  type Parsed,
} from './env-parsers';

export type Environment = Readonly<Record<string, string | undefined>>;

const AGENT_SETTING_SUFFIXES: Record<string, { key: keyof AgentSettings; parse: (raw: string) => Parsed<number> }> = {
  MAX_CONCURRENT_TASKS: { key: 'maxConcurrentTasks', parse: integer({ min: 1, max: 10_000 }) },
  TIMEOUT_SECONDS: { key: 'timeoutSeconds', parse: integer({ min: 1, max: 86_400 }) },
  MAX_ATTEMPTS: { key: 'maxAttempts', parse: integer({ min: 1, max: 100 }) },
  CIRCUIT_FAILURE_THRESHOLD: { key: 'circuitFailureThreshold', parse: integer({ min: 1, max: 1000 }) },
  CIRCUIT_RECOVERY_TIMEOUT_SECONDS: { key: 'circuitRecoveryTimeoutSeconds', parse: integer({ min: 1, max: 86_400 }) },
};
const AGENT_VARIABLE = new RegExp(`^AGENT_([A-Z0-9_]+?)_(${Object.keys(AGENT_SETTING_SUFFIXES).join('|')})$`);

export function loadConfig(env: Environment, opts: { version?: string } = {}): Config {
  const problems: ConfigProblem[] = [];

  function read<T>(name: string, parse: (raw: string) => Parsed<T>, fallback: T): T {
    const raw = env[name];
    if (raw === undefined || raw.trim() === '') return fallback;
    const parsed = parse(raw);
    if (parsed.ok) return parsed.value;
    problems.push({ variable: name, message: parsed.message });
    return fallback;
  }

  const nodeEnv = read<NodeEnv>('NODE_ENV', oneOf(['development', 'production', 'test'] as const), 'development');
  const database = read<DatabaseTarget>('DATABASE_URL', parseDatabaseUrl, {
    kind: 'sqlite',
    url: 'sqlite://./data/catalynx.db',
    filename: './data/catalynx.db',
  });
  const databasePoolSize = read('DATABASE_POOL_SIZE', integer({ min: 1, max: 1000 }), 10);
  const redisUrl = read<string | null>('REDIS_URL', url(['redis:', 'rediss:']), null);
  const logLevel = read<LogLevel>(
    'LOG_LEVEL',
    oneOf(['error', 'warn', 'info', 'http', 'verbose', 'debug', 'silly'] as const),
    'info',
  );

  const agentDefaults: AgentSettings = {
    maxConcurrentTasks: read('AGENT_DEFAULT_MAX_CONCURRENT_TASKS', AGENT_SETTING_SUFFIXES.MAX_CONCURRENT_TASKS!.parse, 10),
    timeoutSeconds: read('TASK_TIMEOUT_SECONDS', AGENT_SETTING_SUFFIXES.TIMEOUT_SECONDS!.parse, 300),
    maxAttempts: read('TASK_MAX_ATTEMPTS', AGENT_SETTING_SUFFIXES.MAX_ATTEMPTS!.parse, 3),
    circuitFailureThreshold: read('CIRCUIT_FAILURE_THRESHOLD', AGENT_SETTING_SUFFIXES.CIRCUIT_FAILURE_THRESHOLD!.parse, 5),
    circuitRecoveryTimeoutSeconds: read(
      'CIRCUIT_RECOVERY_TIMEOUT_SECONDS',
      AGENT_SETTING_SUFFIXES.CIRCUIT_RECOVERY_TIMEOUT_SECONDS!.parse,
      60,
    ),
  };

  const agentOverrides: Record<string, Partial<AgentSettings>> = {};
  for (const name of Object.keys(env).sort()) {
    const match = AGENT_VARIABLE.exec(name);
    if (!match || match[1] === 'DEFAULT') continue;
    const setting = AGENT_SETTING_SUFFIXES[match[2]!]!;
    const value = read<number | undefined>(name, setting.parse, undefined);
    if (value === undefined) continue;
    const agentId = match[1]!.toLowerCase();
    agentOverrides[agentId] = { ...agentOverrides[agentId], [setting.key]: value };
  }

  const workerConcurrency = read('WORKER_CONCURRENCY', integer({ min: 1, max: 1000 }), 10);
  const config: Config = {
    nodeEnv,
    version: opts.version ?? '0.0.0',
    database,
    databasePoolSize,
    redisUrl,
    log: { level: logLevel },
    http: {
      host: env.HOST?.trim() || '0.0.0.0',
      port: read('PORT', integer({ min: 0, max: 65_535 }), 3000),
      bodyLimitBytes: read('BODY_LIMIT', byteSize({ min: 1024, max: 50 * 1024 * 1024 }), 1024 * 1024),
      headersTimeoutMs: read('HTTP_HEADERS_TIMEOUT_MS', integer({ min: 100 }), 10_000),
      requestTimeoutMs: read('HTTP_REQUEST_TIMEOUT_MS', integer({ min: 100 }), 30_000),
      keepAliveTimeoutMs: read('HTTP_KEEP_ALIVE_TIMEOUT_MS', integer({ min: 100 }), 5_000),
    },
    shutdownTimeoutMs: read('SHUTDOWN_TIMEOUT_SECONDS', durationSeconds({ min: 0 }), 30) * 1000,
    health: { checkTimeoutMs: read('HEALTH_CHECK_TIMEOUT_MS', integer({ min: 10, max: 60_000 }), 2000) },
    worker: {
      concurrency: workerConcurrency,
      lookAhead: read('WORKER_LOOKAHEAD', integer({ min: 0, max: 10_000 }), workerConcurrency * 2),
      pollIntervalMs: read('WORKER_POLL_INTERVAL_MS', integer({ min: 10, max: 600_000 }), 1000),
      leaseSeconds: read('TASK_LEASE_SECONDS', integer({ min: 1, max: 3600 }), 30),
      retryBaseMs: read('TASK_RETRY_BASE_MS', integer({ min: 1 }), 1000),
      retryMaxMs: read('TASK_RETRY_MAX_MS', integer({ min: 1 }), 5 * 60_000),
    },
    scheduler: {
      agentHealthCheckIntervalSeconds: read('AGENT_HEALTH_CHECK_INTERVAL', durationSeconds({ min: 1 }), 300),
      reaperIntervalSeconds: read('LEASE_REAPER_INTERVAL', durationSeconds({ min: 1 }), 15),
      taskRetentionDays: read('TASK_RETENTION_DAYS', integer({ min: 1, max: 3650 }), 7),
      leaderLeaseSeconds: read('SCHEDULER_LEADER_LEASE_SECONDS', integer({ min: 2, max: 3600 }), 15),
    },
    gateway: {
      adminApiKey: read<string | null>('ADMIN_API_KEY', minLength(16), null),
      rateLimit: {
        requests: read('RATE_LIMIT_REQUESTS', integer({ min: 1, max: 1_000_000 }), 600),
        windowSeconds: read('RATE_LIMIT_WINDOW_SECONDS', integer({ min: 1, max: 86_400 }), 60),
        failOpen: read('RATE_LIMIT_FAIL_OPEN', boolean(), true),
        scopeOverrides: read('RATE_LIMIT_SCOPE_OVERRIDES', scopeLimits(), {}),
      },
      publicPaths: read('PUBLIC_PATHS', list(), ['/health', '/health/live', '/health/ready', '/metrics', '/openapi.json', '/dashboard']),
      outboundAllowedHosts: read(
        'OUTBOUND_ALLOWED_HOSTS',
        list(),
        nodeEnv === 'production' ? [] : ['localhost', '127.0.0.0/8', '::1/128'],
      ),
      proxyTimeoutMs: read('PROXY_TIMEOUT_MS', integer({ min: 10, max: 600_000 }), 30_000),
      services: read('GATEWAY_SERVICES', jsonArray(), []),
    },
    flags: {
      path: read<string | null>('FEATURE_FLAGS_PATH', nonEmpty(), './config/feature_flags.yml'),
      refreshSeconds: read('FLAGS_REFRESH_SECONDS', durationSeconds({ min: 0.1 }), 2),
    },
    workflows: {
      dir: read<string | null>('WORKFLOWS_DIR', nonEmpty(), './workflows'),
      timerIntervalSeconds: read('WORKFLOW_TIMER_INTERVAL', durationSeconds({ min: 1 }), 1),
    },
    domain: {
      bmfDataPath: read('BMF_DATA_PATH', nonEmpty(), './data-samples/bmf'),
      boardMembersPath: read('BOARD_MEMBERS_PATH', nonEmpty(), './data-samples/board-members.json'),
      ai: {
        baseUrl: read<string | null>('AI_BASE_URL', url(['http:', 'https:']), null),
        apiKey: read<string | null>('AI_API_KEY', nonEmpty(), null),
        model: read('AI_MODEL', nonEmpty(), 'gpt-4o-mini'),
        modelNext: read<string | null>('AI_MODEL_NEXT', nonEmpty(), null),
        timeoutSeconds: read('AI_TIMEOUT_SECONDS', integer({ min: 1, max: 3600 }), 60),
      },
    },
    metrics: { port: read<number | null>('METRICS_PORT', integer({ min: 0, max: 65_535 }), null) },
    agentDefaults,
    agentOverrides,
  };

  if (config.worker.retryBaseMs > config.worker.retryMaxMs) {
    problems.push({ variable: 'TASK_RETRY_BASE_MS', message: 'must not exceed TASK_RETRY_MAX_MS' });
  }

  if (problems.length > 0) throw new ConfigError(problems);
  return deepFreeze(config);
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object') {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}
