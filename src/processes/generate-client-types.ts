// Writes src/client/openapi-types.ts from the OpenAPI document the web process serves, built here
// in-process on an in-memory database (`npm run generate:client`). Its own composition root: it
// builds the services only to read their declared routes, serves nothing and exits.

import { writeFileSync } from 'node:fs';
import { join, sep } from 'node:path';
import { loadConfig } from '../config';
import { buildOpenApi, type OpenApiDocument } from '../modules/openapi/build-openapi';
import { renderClientTypes } from '../modules/openapi/render-client-types';
import { createPlatform, readVersion } from './platform';
import { buildServices } from './services';

/** Where the generated module lives, from src/ or dist/src/. */
export const CLIENT_TYPES_PATH = join(__dirname, ...(__dirname.split(sep).includes('dist') ? ['..', '..', '..'] : ['..', '..']), 'src', 'client', 'openapi-types.ts');

/** The document exactly as GET /openapi.json describes it with the default configuration. */
export async function describeApi(): Promise<OpenApiDocument> {
  const config = loadConfig({ NODE_ENV: 'test', LOG_LEVEL: 'error', DATABASE_URL: 'sqlite://:memory:' }, { version: readVersion() });
  const platform = createPlatform('cli', config);
  try {
    const services = buildServices(platform);
    return buildOpenApi({ info: { title: 'Catalynx API', version: config.version }, routes: services.routes, publicPaths: config.gateway.publicPaths });
  } finally {
    await platform.shutdown.run('client types generated');
  }
}

async function main(): Promise<void> {
  const source = renderClientTypes(await describeApi());
  const target = process.argv[2] ?? CLIENT_TYPES_PATH;
  writeFileSync(target, source);
  process.stdout.write(`wrote ${target}\n`);
}

if (require.main === module) {
  main().catch((err: unknown) => {
    process.stderr.write(`generate-client-types: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  });
}
