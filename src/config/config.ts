// The typed, frozen configuration every process receives from its composition root.

export type NodeEnv = 'development' | 'production' | 'test';
export type LogLevel = 'error' | 'warn' | 'info' | 'http' | 'verbose' | 'debug' | 'silly';

/** Per-agent settings: global defaults overridden by AGENT_<ID>_<SETTING>. */
export interface AgentSettings {
  maxConcurrentTasks: number;
  timeoutSeconds: number;
  maxAttempts: number;
  circuitFailureThreshold: number;
  circuitRecoveryTimeoutSeconds: number;
}

export type DatabaseTarget =
  | { kind: 'sqlite'; url: string; filename: string }
  | { kind: 'postgres'; url: string };

export interface Config {
  nodeEnv: NodeEnv;
  version: string;
  database: DatabaseTarget;
  /** Postgres connections each process keeps at most (SQLite has one connection per process). */
  databasePoolSize: number;
  redisUrl: string | null;
  log: { level: LogLevel };
  http: {
    host: string;
    port: number;
    bodyLimitBytes: number;
    headersTimeoutMs: number;
    requestTimeoutMs: number;
    keepAliveTimeoutMs: number;
  };
  shutdownTimeoutMs: number;
  health: { checkTimeoutMs: number };
  worker: {
    concurrency: number;
    /** Tasks a worker may hold leased beyond its concurrency, started as slots free (short tasks only). */
    lookAhead: number;
    pollIntervalMs: number;
    leaseSeconds: number;
    retryBaseMs: number;
    retryMaxMs: number;
  };
  scheduler: {
    agentHealthCheckIntervalSeconds: number;
    reaperIntervalSeconds: number;
    taskRetentionDays: number;
    leaderLeaseSeconds: number;
  };
  gateway: {
    /** An admin key from the environment (deploys, tests); hashed in memory, never stored. */
    adminApiKey: string | null;
    rateLimit: {
      requests: number;
      windowSeconds: number;
      /** When Redis is down: true lets requests through (fail open), false refuses them with 503. */
      failOpen: boolean;
      /** Per-scope request limits that replace `requests` for keys holding that scope. */
      scopeOverrides: Readonly<Record<string, number>>;
    };
    /** Paths served without an API key. */
    publicPaths: readonly string[];
    /** Hosts and CIDRs that outbound calls (agents, proxies) may reach despite being private. */
    outboundAllowedHosts: readonly string[];
    proxyTimeoutMs: number;
    /** Services to proxy, from GATEWAY_SERVICES (a JSON array); validated by the gateway at start. */
    services: readonly unknown[];
  };
  flags: { path: string | null; refreshSeconds: number };
  workflows: {
    dir: string | null;
    /** How often the scheduler wakes due sleeps, times out waits and steps, and resumes waits. */
    timerIntervalSeconds: number;
  };
  domain: {
    bmfDataPath: string;
    boardMembersPath: string;
    ai: {
      baseUrl: string | null;
      apiKey: string | null;
      model: string;
      modelNext: string | null;
      timeoutSeconds: number;
    };
  };
  metrics: { port: number | null };
  agentDefaults: AgentSettings;
  /** Keyed by agent id in lower case (AGENT_BMF_FILTER_... → "bmf_filter"). */
  agentOverrides: Readonly<Record<string, Readonly<Partial<AgentSettings>>>>;
}

/** Where per-agent settings come from: the global defaults and the overrides by agent id. */
export type AgentSettingsSource = Pick<Config, 'agentDefaults' | 'agentOverrides'>;

/** The settings for one agent: its overrides over the global defaults. */
export function agentSettings(config: AgentSettingsSource, agentId: string): AgentSettings {
  const overrides = config.agentOverrides[agentId.toLowerCase()] ?? {};
  return { ...config.agentDefaults, ...overrides };
}
