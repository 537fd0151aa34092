import { manifest } from '@toolgate/core/manifest';
import { type DevState, removeDevState, writeDevState } from '../dev-state';
import { dataDirIn, devStatePathIn, keysDirIn, localStateDir } from '../paths';
import { type LocalRuntime, startLocalRuntime } from '../runtime';
import { endpointTable } from './endpoint-table';

export interface DevCommandOptions {
  persist: boolean;
  port: number;
  host?: string;
}

function banner(runtime: LocalRuntime, persistDir: string | undefined, elapsedMs: number): string {
  const { url, endpoints } = runtime;
  return [
    `toolgate dev: listening on ${url} (ready in ${elapsedMs} ms)`,
    '',
    endpointTable(manifest),
    '',
    'Get an access token (stdout is only the token; -s keeps pnpm quiet, and a bare `pnpm token` runs npm token):',
    `  TOKEN=$(pnpm -s run token)    # all scopes; or --scope "toolgate/profile" --sub ID --plan pro`,
    `  curl -H "Authorization: Bearer $TOKEN" ${url}/me`,
    `  curl ${url}/catalog?limit=5`,
    '',
    `Emulators: dynamodb ${endpoints.dynamodb}  s3 ${endpoints.s3}  sqs ${endpoints.sqs}` +
      `  stepfunctions ${endpoints.stepfunctions}`,
    `Dev issuer JWKS: ${endpoints.jwks}`,
    persistDir ? `Data persisted in ${persistDir}` : 'Data is in memory (use --persist to keep it between runs)',
    '',
  ].join('\n');
}

/** `pnpm dev`: the whole local stack in this process until SIGINT/SIGTERM. */
export async function runDev(options: DevCommandOptions): Promise<void> {
  const started = performance.now();
  const stateDir = localStateDir();
  const persistDir = options.persist ? dataDirIn(stateDir) : undefined;
  const statePath = devStatePathIn(stateDir);

  const runtime = await startLocalRuntime({
    port: options.port,
    ...(options.host ? { host: options.host } : {}),
    ...(persistDir ? { persistDir } : {}),
    keysDir: keysDirIn(stateDir),
  });

  const state: DevState = {
    pid: process.pid,
    url: runtime.url,
    startedAt: new Date().toISOString(),
    region: runtime.region,
    tableName: runtime.tableName,
    bucketName: runtime.bucketName,
    queueUrls: runtime.queueUrls,
    endpoints: runtime.endpoints,
  };
  await writeDevState(statePath, state);
  process.stdout.write(banner(runtime, persistDir, Math.round(performance.now() - started)));

  let stopping = false;
  const shutdown = (signal: NodeJS.Signals) => {
    if (stopping) {
      process.stderr.write(`toolgate dev: ${signal} again, exiting now\n`);
      process.exit(1);
    }
    stopping = true;
    process.stderr.write(`toolgate dev: ${signal}, stopping\n`);
    Promise.all([removeDevState(statePath, process.pid), runtime.stop()]).then(
      () => process.exit(0),
      (error: unknown) => {
        process.stderr.write(`toolgate dev: stopping failed: ${error instanceof Error ? error.message : error}\n`);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', shutdown);
  process.on('SIGTERM', shutdown);
}
