import { MODEL_SECTION, type ModelConfig } from '@toolgate/core/agent/config';
import { systemClock } from '@toolgate/core/clock';
import { parseConfig, rawConfig } from '@toolgate/core/config-reader';
import { manifest } from '@toolgate/core/manifest';
import { type DevState, removeDevState, writeDevState } from '../dev-state';
import { formatMetricsSummary, type MetricPoint } from '../metrics';
import { dataDirIn, devStatePathIn, keysDirIn, localStateDir } from '../paths';
import { DEFAULT_ALLOWED_ORIGINS, type LocalRuntime, startLocalRuntime } from '../runtime';
import { endpointTable } from './endpoint-table';
import { sdkNodeNotice } from './node-version';

export interface DevCommandOptions {
  persist: boolean;
  port: number;
  host?: string;
  /** CORS origins allowed besides the defaults (`--allow-origin`, `TOOLGATE_ALLOWED_ORIGINS`). */
  allowOrigins?: readonly string[];
  /** Hot reload of the tier handlers when their sources change (`--no-reload` turns it off). */
  reload?: boolean;
}

/** Which model the agent talks to, as configured (never the API key). */
export function describeModel(model: ModelConfig): string {
  switch (model.provider) {
    case 'dev':
      return `dev (deterministic, offline${model.latencyMs ? `, ${model.latencyMs} ms per call` : ''}${
        model.chunkDelayMs ? `, streams a word every ${model.chunkDelayMs} ms` : ''
      })`;
    case 'bedrock':
      return `bedrock ${model.modelId}${model.region ? ` in ${model.region}` : ''}`;
    case 'openai': {
      const base = new URL(model.baseUrl);
      return `openai-compatible ${model.modelId} at ${base.origin}${base.pathname}`;
    }
  }
}

function banner(runtime: LocalRuntime, persistDir: string | undefined, elapsedMs: number): string {
  const { url, endpoints } = runtime;
  const notice = sdkNodeNotice(process.versions.node);
  return [
    `toolgate dev: listening on ${url} (ready in ${elapsedMs} ms)`,
    ...(runtime.consoleUrl
      ? [`Console: ${runtime.consoleUrl} (requests, chat, uploads, jobs, tiers; docs/console.md)`]
      : []),
    `Model: ${describeModel(parseConfig(MODEL_SECTION.schema, rawConfig(process.env).model, 'model'))} (TOOLGATE_MODEL_PROVIDER chooses it: docs/agents.md)`,
    ...(notice ? [notice] : []),
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
    `CORS origins: ${runtime.allowedOrigins.join(', ')} (add one with --allow-origin URL)`,
    persistDir ? `Data persisted in ${persistDir}` : 'Data is in memory (use --persist to keep it between runs)',
    runtime.reloader
      ? 'Hot reload: on (edits under packages/core and packages/functions reload the handlers; --no-reload turns it off)'
      : 'Hot reload: off',
    '',
  ].join('\n');
}

/** `pnpm dev`'s dev model writes a word every this many ms, so a streamed chat visibly streams (tests use 0). */
export const DEV_CHUNK_DELAY_MS = 15;

export const METRICS_SUMMARY_INTERVAL_MS = 60_000;

/**
 * Once a minute, one line of what the handlers' metrics counted in that minute (nothing when nothing happened):
 * what the dashboard would show, without CloudWatch.
 */
function printMetricsEveryMinute(runtime: LocalRuntime): () => void {
  let minute: MetricPoint[] = [];
  const unsubscribe = runtime.metrics.subscribe((point) => minute.push(point));
  const timer = setInterval(() => {
    if (minute.length === 0) return;
    const summary = formatMetricsSummary(minute);
    minute = [];
    process.stderr.write(`metrics, last minute: ${summary}\n`);
  }, METRICS_SUMMARY_INTERVAL_MS);
  timer.unref();
  return () => {
    clearInterval(timer);
    unsubscribe();
  };
}

/** `pnpm dev`: the whole local stack in this process until SIGINT/SIGTERM. */
export async function runDev(options: DevCommandOptions): Promise<void> {
  const started = performance.now();
  process.env.TOOLGATE_DEV_MODEL_CHUNK_DELAY_MS ??= String(DEV_CHUNK_DELAY_MS);
  const stateDir = localStateDir();
  const persistDir = options.persist ? dataDirIn(stateDir) : undefined;
  const allowedOrigins = [...new Set([...DEFAULT_ALLOWED_ORIGINS, ...(options.allowOrigins ?? [])])];
  const runtime = await startLocalRuntime({
    port: options.port,
    ...(options.host ? { host: options.host } : {}),
    ...(persistDir ? { persistDir } : {}),
    keysDir: keysDirIn(stateDir),
    allowedOrigins,
    console: true,
    reload: options.reload === false ? false : {},
  });

  const statePath = devStatePathIn(stateDir, Number(new URL(runtime.url).port));
  const state: DevState = {
    pid: process.pid,
    url: runtime.url,
    startedAt: new Date(systemClock()).toISOString(),
    region: runtime.region,
    tableName: runtime.tableName,
    bucketName: runtime.bucketName,
    queueUrls: runtime.queueUrls,
    endpoints: runtime.endpoints,
  };
  await writeDevState(statePath, state);
  process.stdout.write(banner(runtime, persistDir, Math.round(performance.now() - started)));
  const stopSummary = printMetricsEveryMinute(runtime);

  let stopping = false;
  const shutdown = (signal: NodeJS.Signals) => {
    if (stopping) {
      process.stderr.write(`toolgate dev: ${signal} again, exiting now\n`);
      process.exit(1);
    }
    stopping = true;
    stopSummary();
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
