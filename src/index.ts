// The package entry (`catalynx`): the typed API client and the agent SDK. The platform itself runs
// from its process entrypoints (dist/src/processes/*.js), not from an import.

export * from './client';
export * from './agent-sdk';
