import { ConfigError, agentSettings, loadConfig } from '../../../src/config';

describe('configuration from the environment', () => {
  it('has working defaults: SQLite at ./data/catalynx.db, port 3000, no Redis', () => {
    const config = loadConfig({});
    expect(config.database).toEqual({ kind: 'sqlite', url: 'sqlite://./data/catalynx.db', filename: './data/catalynx.db' });
    expect(config.http.port).toBe(3000);
    expect(config.redisUrl).toBeNull();
    expect(config.log.level).toBe('info');
    expect(config.shutdownTimeoutMs).toBe(30_000);
    expect(config.databasePoolSize).toBe(10);
  });

  it('accepts sqlite file, sqlite memory and postgres URLs', () => {
    expect(loadConfig({ DATABASE_URL: 'sqlite://:memory:' }).database).toMatchObject({ kind: 'sqlite', filename: ':memory:' });
    expect(loadConfig({ DATABASE_URL: 'sqlite:///var/lib/c.db' }).database).toMatchObject({ filename: '/var/lib/c.db' });
    expect(loadConfig({ DATABASE_URL: 'postgres://u@db:5432/catalynx' }).database).toMatchObject({ kind: 'postgres' });
    expect(loadConfig({ DATABASE_URL: 'postgresql://u@db/catalynx' }).database).toMatchObject({ kind: 'postgres' });
  });

  it('names every bad variable and what it expects, in one error', () => {
    let error: unknown;
    try {
      loadConfig({ DATABASE_URL: 'mysql://x', DATABASE_POOL_SIZE: '0', PORT: 'eighty', LOG_LEVEL: 'loud', REDIS_URL: 'http://x', SHUTDOWN_TIMEOUT_SECONDS: '-3' });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const problems = (error as ConfigError).problems.map((p) => p.variable).sort();
    expect(problems).toEqual(['DATABASE_POOL_SIZE', 'DATABASE_URL', 'LOG_LEVEL', 'PORT', 'REDIS_URL', 'SHUTDOWN_TIMEOUT_SECONDS']);
    expect((error as ConfigError).message).toMatch(/DATABASE_URL: unsupported scheme "mysql"/);
    expect((error as ConfigError).message).toMatch(/PORT: expected an integer, got "eighty"/);
  });

  it('lets a worker lease twice its concurrency ahead by default, or what WORKER_LOOKAHEAD says', () => {
    expect(loadConfig({}).worker).toMatchObject({ concurrency: 10, lookAhead: 20 });
    expect(loadConfig({ WORKER_CONCURRENCY: '4' }).worker).toMatchObject({ concurrency: 4, lookAhead: 8 });
    expect(loadConfig({ WORKER_CONCURRENCY: '4', WORKER_LOOKAHEAD: '0' }).worker).toMatchObject({ concurrency: 4, lookAhead: 0 });
    for (const bad of ['-1', 'many', '2.5', '10001']) {
      expect(() => loadConfig({ WORKER_LOOKAHEAD: bad })).toThrow(/WORKER_LOOKAHEAD/);
    }
  });

  it('gives each agent the global defaults, overridden by AGENT_<ID>_<SETTING>', () => {
    const config = loadConfig({
      TASK_TIMEOUT_SECONDS: '60',
      TASK_MAX_ATTEMPTS: '4',
      AGENT_BMF_FILTER_MAX_CONCURRENT_TASKS: '5',
      AGENT_BMF_FILTER_TIMEOUT_SECONDS: '120',
      AGENT_AI_HEAVY_MAX_CONCURRENT_TASKS: '2',
      AGENT_AI_HEAVY_TIMEOUT_SECONDS: '600',
      AGENT_AI_HEAVY_CIRCUIT_FAILURE_THRESHOLD: '3',
    });
    expect(agentSettings(config, 'bmf_filter')).toMatchObject({ maxConcurrentTasks: 5, timeoutSeconds: 120, maxAttempts: 4 });
    expect(agentSettings(config, 'ai_heavy')).toMatchObject({ maxConcurrentTasks: 2, timeoutSeconds: 600, circuitFailureThreshold: 3 });
    expect(agentSettings(config, 'echo')).toMatchObject({ maxConcurrentTasks: 10, timeoutSeconds: 60, maxAttempts: 4 });
  });

  it('rejects a bad per-agent override by name', () => {
    expect(() => loadConfig({ AGENT_BMF_FILTER_MAX_ATTEMPTS: 'many' })).toThrow(/AGENT_BMF_FILTER_MAX_ATTEMPTS: expected an integer/);
    expect(() => loadConfig({ AGENT_ECHO_TIMEOUT_SECONDS: '0' })).toThrow(/AGENT_ECHO_TIMEOUT_SECONDS: must be at least 1/);
  });

  it('parses durations and sizes', () => {
    const config = loadConfig({ AGENT_HEALTH_CHECK_INTERVAL: '5m', SHUTDOWN_TIMEOUT_SECONDS: '10s', BODY_LIMIT: '100kb' });
    expect(config.scheduler.agentHealthCheckIntervalSeconds).toBe(300);
    expect(config.shutdownTimeoutMs).toBe(10_000);
    expect(config.http.bodyLimitBytes).toBe(100 * 1024);
  });

  it('returns a frozen object', () => {
    const config = loadConfig({});
    expect(Object.isFrozen(config)).toBe(true);
    expect(Object.isFrozen(config.http)).toBe(true);
    expect(() => {
      (config.http as { port: number }).port = 1;
    }).toThrow(TypeError);
  });
});
