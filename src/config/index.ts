// Public surface of the configuration module.

export * from './config';
export { ConfigError, type ConfigProblem } from './config-error';
export { loadConfig, type Environment } from './load-config';
export { readEnvironment } from './read-environment';
