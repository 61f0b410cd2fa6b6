// Runs the example inventory agent as its own process: its settings from the environment, SIGTERM
// or SIGINT close it gracefully (exit 0), a second signal exits at once.
//
//   CATALYNX_URL=http://127.0.0.1:3000 CATALYNX_API_KEY=cx_... PORT=4100 node dist/examples/inventory-agent/main.js

import { jsonLineLogger, serveAgent } from '../../src/agent-sdk';
import { inventoryAgent } from './inventory-agent';

function required(name: string): string {
  const value = process.env[name];
  if (!value) {
    process.stderr.write(`inventory-agent: ${name} is not set\n`);
    process.exit(1);
  }
  return value;
}

async function main(): Promise<void> {
  const logger = jsonLineLogger('inventory-agent');
  const served = await serveAgent(inventoryAgent({ stock: { widget: 10, gadget: 3 }, chargeLimit: 1000 }), {
    port: Number(process.env.PORT ?? 4100),
    host: process.env.HOST ?? '127.0.0.1',
    catalynxUrl: required('CATALYNX_URL'),
    apiKey: required('CATALYNX_API_KEY'),
    publicUrl: process.env.PUBLIC_URL || undefined,
    heartbeatIntervalMs: Number(process.env.HEARTBEAT_INTERVAL_MS ?? 30_000),
    logger,
  });
  let signals = 0;
  const stop = (signal: NodeJS.Signals) => {
    if (++signals > 1) process.exit(1);
    logger.info('stopping', { signal });
    served.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

main().catch((err: unknown) => {
  process.stderr.write(`inventory-agent: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
