import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import { SQSClient } from '@aws-sdk/client-sqs';
import { loadCatalogFixture, seedCatalog } from '@toolgate/core/catalog/seed';
import { systemClock } from '@toolgate/core/clock';
import { createDocumentClient } from '@toolgate/core/data/dynamo';
import { corsPolicy } from '@toolgate/core/deploy/gateway';
import type { HttpTier } from '@toolgate/core/manifest';
import type { LocalConsole } from './console';
import { startDynamoDb } from './emulators/dynamodb';
import { startS3 } from './emulators/s3';
import { startSqs } from './emulators/sqs';
import type { Emulator } from './emulators/types';
import type { CorsConfig } from './gateway/cors';
import { type LocalGateway, type LocalGatewayOptions, startLocalGateway } from './gateway/server';
import { installLambdaStreamingRuntime, type StreamingLambdaHandler } from './gateway/streaming';
import type { AccessLogEntry, TierHandlers } from './gateway/types';
import {
  loadStreamHandlers,
  loadTierHandlers,
  loadWorkerHandler,
  reloadingStreamHandlers,
  reloadingTierHandlers,
  servedTiers,
} from './handlers';
import { installLocalIam, LOCAL_IAM_ENV, type LocalIam, localIamEnabled } from './iam';
import { type DevIssuer, startDevIssuer } from './issuer';
import { applyEnvironment, LOCAL_CREDENTIALS, localEnvironment } from './local-env';
import { type LocalMetrics, tapEmf } from './metrics';
import { devStateDirIn, findRepoRoot, keysDirIn, localStateDir } from './paths';
import type { JobsPoller, SqsHandler } from './queue/poller';
import { type LocalJobsSettings, startLocalJobs } from './queue/settings';
import { freshBuildDir } from './reload/build-dirs';
import { type HandlerReloader, prepareHandlerReloader, type ReloadEvent } from './reload/reloader';
import { ensureBucket, ensureQueues, ensureTable, type QueueUrls } from './resources/provision';
import { type LocalWorkflows, startLocalWorkflows } from './workflows';

/**
 * The embedded local runtime: emulators, resources, seed data, dev issuer and local API Gateway in one process.
 *
 * One runtime per process. Handler modules read their configuration (table name, endpoints, auth) from the
 * environment once, when first imported, so the runtime sets the environment before importing them and a second
 * runtime in the same process would leave them talking to the first one's (stopped) emulators. Vitest runs each
 * test file in its own module graph, so "one runtime per test file" is the model; injected handlers (tests of the
 * gateway itself) have no such constraint.
 *
 * Longer than 300 lines on purpose: the start sequence (emulators, resources, environment before any handler import,
 * seed, issuer, IAM, gateway, jobs, workflows) and its reverse stop are one ordered procedure; every step it calls
 * is a module of its own.
 */

/** The local gateway's options a runtime passes through (documented on `LocalGatewayOptions`). */
export type GatewaySettings = Pick<
  LocalGatewayOptions,
  'timeoutMs' | 'maxPayloadBytes' | 'throttling' | 'concurrency' | 'sharedPool' | 'stage' | 'basePath' | 'onResponse'
> & {
  /** Defaults from `allowedOrigins`; `null` for no CORS configuration at all. */
  cors?: CorsConfig | null;
};

export interface LocalRuntimeOptions {
  /** 0 picks a free port (tests); `pnpm dev` passes PORT or 3000. */
  port?: number;
  host?: string;
  /** Keep DynamoDB and S3 data here between runs; in-memory/temporary when absent. */
  persistDir?: string;
  /** Load the catalog fixture (idempotent). Default true. */
  seed?: boolean;
  /** Dev issuer key folder; defaults to `<repo>/.toolgate/keys`. */
  keysDir?: string;
  /** No access log on stderr. */
  quiet?: boolean;
  /** Told what a part of the runtime could not complete; stderr when absent (nothing when quiet). */
  onError?: (message: string, error?: unknown) => void;
  stage?: string;
  region?: string;
  /** Browser origins for the gateway's CORS and the uploads bucket. */
  allowedOrigins?: readonly string[];
  gateway?: GatewaySettings;
  /** Test injection: these tiers use the given handlers instead of importing `@toolgate/functions`. */
  handlers?: TierHandlers;
  /** Response-streaming handlers to use instead of the tiers' own `streamHandler` exports (the bench's bundles). */
  streamHandlers?: Partial<Record<HttpTier, StreamingLambdaHandler>>;
  /**
   * The jobs queue's consumer: a handler to inject, or `null` for no poller. By default the real worker handler,
   * whenever the real tier handlers are loaded.
   */
  worker?: SqsHandler | null;
  /** The jobs queue and its poller (the local event source mapping): visibility timeout, batching, concurrency. */
  jobs?: LocalJobsSettings;
  /** Workflow retries wait this long instead of the ASL's backoff (tests); the real waits when absent. */
  workflowRetryIntervalMs?: number;
  /**
   * The clock (epoch ms) the local S3 judges presigned POST policies' expiration by; the wall clock when absent.
   * Tests move it forward to expire a policy without waiting.
   */
  now?: () => number;
  /**
   * Check every AWS call a tier makes against that tier's deployed IAM statements (`iam/`). Default: on, unless
   * `TOOLGATE_LOCAL_IAM=off` (an escape hatch: what it lets pass locally fails deployed).
   */
  localIam?: boolean;
  /**
   * Serve the dev console at `/_console` on the gateway's port (`pnpm dev` does; docs/console.md). With a fixed
   * `port`, its own origins (`http://localhost:<port>`, `http://127.0.0.1:<port>`) join `allowedOrigins`, so that
   * its page can post upload forms to the local S3.
   */
  console?: boolean;
  /**
   * Hot reload (`pnpm dev`; `reload/reloader.ts`): the tier handlers are bundled from the sources and replaced when a
   * file under `packages/core` or `packages/functions` changes, while everything else keeps running. Off by default:
   * tests import the handlers once, unless they test the reload itself.
   */
  reload?: HotReloadOptions | false;
}

export interface HotReloadOptions {
  /** The folder whose `packages/core` and `packages/functions` are bundled and watched (default: this repo). */
  sourceRoot?: string;
  /** Where builds are written (default `.toolgate/run/handlers-<pid>-<random>`, removed on stop; `build-dirs.ts`). */
  outDir?: string;
  /** Watch the sources (default true); false leaves reloads to `runtime.reloader.reload()`. */
  watch?: boolean;
  debounceMs?: number;
  onReload?: (event: ReloadEvent) => void;
}

export interface LocalRuntime {
  url: string;
  /** The dev console's URL, when it is served. */
  consoleUrl: string | null;
  /** The browser origins the gateway's CORS and the uploads bucket allow. */
  allowedOrigins: readonly string[];
  port: number;
  endpoints: { dynamodb: string; s3: string; sqs: string; stepfunctions: string; jwks: string };
  issuer: DevIssuer;
  region: string;
  tableName: string;
  bucketName: string;
  queueUrls: QueueUrls;
  /** The environment the runtime applied to this process (no secrets: dummy credentials only). */
  env: Record<string, string>;
  /** Number of catalog products written by the seed (0 when `seed: false`). */
  seeded: number;
  /** The jobs queue poller (pause, resume, stats), or null when the runtime runs no worker. */
  jobs: JobsPoller | null;
  /** The Step Functions emulator running the ingestion workflow (its executions, for tests and the console). */
  workflows: LocalWorkflows;
  /**
   * The business metrics the handlers emit (their EMF lines on stdout, parsed as CloudWatch Logs would): each data
   * point as it comes (`subscribe`) and the totals since start. `pnpm dev` prints a per-minute summary of them.
   */
  metrics: LocalMetrics;
  /** The hot reloader of the tier handlers, or null when the runtime does not reload. */
  reloader: HandlerReloader | null;
  stop(): Promise<void>;
}

export const DEFAULT_ALLOWED_ORIGINS: readonly string[] = ['http://localhost:3000', 'http://localhost:5173'];

/**
 * CORS exactly as infra configures it on the HTTP API: core's `corsPolicy` (explicit origins, never `*`, no
 * credentials), or none at all for an empty allow-list.
 */
export function defaultCors(allowOrigins: readonly string[]): CorsConfig | null {
  return corsPolicy({ allowedOrigins: [...allowOrigins] });
}

const ACCOUNT_ID = '000000000000';

let active = false;
let realHandlersLoaded = false;

function formatAccessLog(entry: AccessLogEntry): string {
  const where = entry.routeKey ? `${entry.tier}` : '-';
  const why = entry.gatewayError ? ` (gateway: ${entry.gatewayError})` : '';
  return `${entry.method} ${entry.path} ${entry.status} ${entry.latencyMs}ms [${where}] ${entry.requestId}${why}\n`;
}

export async function startLocalRuntime(options: LocalRuntimeOptions = {}): Promise<LocalRuntime> {
  const injected = options.handlers ?? {};
  const needsRealHandlers = servedTiers().some((tier) => !injected[tier]);
  if (active) throw new Error('A local runtime is already running in this process (one runtime per process).');
  // Reloaded handlers are bundles of their own, read the environment anew and never touch this process's modules.
  if (needsRealHandlers && !options.reload && realHandlersLoaded) {
    throw new Error(
      'The tier handlers were already imported by an earlier runtime in this process and still point at its ' +
        'emulators: start one runtime per process (vitest: one per test file).',
    );
  }
  active = true;

  const stage = options.stage ?? 'local';
  const iamEnabled = options.localIam ?? localIamEnabled();
  let localIam: LocalIam | undefined;
  let reloader: HandlerReloader | null = null;
  const region = options.region ?? 'us-east-1';
  const consoleOrigins =
    options.console && options.port ? [`http://localhost:${options.port}`, `http://127.0.0.1:${options.port}`] : [];
  const allowedOrigins = [...new Set([...(options.allowedOrigins ?? DEFAULT_ALLOWED_ORIGINS), ...consoleOrigins])];
  const names = { table: `toolgate-${stage}`, bucket: `toolgate-${stage}-uploads`, queuePrefix: `toolgate-${stage}` };
  const stops: (() => Promise<void>)[] = [];
  const stopAll = async () => {
    const errors: unknown[] = [];
    for (const stop of stops.reverse()) {
      try {
        await stop();
      } catch (error) {
        errors.push(error);
      }
    }
    stops.length = 0;
    active = false;
    if (errors.length > 0) throw new AggregateError(errors, 'Stopping the local runtime failed');
  };
  const started = <T extends { stop(): Promise<void> }>(thing: T): T => {
    stops.push(() => thing.stop());
    return thing;
  };

  /** What the runtime's parts could not complete: to `onError`, else on stderr (with the stack) unless quiet. */
  const logError = (message: string, error?: unknown) => {
    if (options.onError) return options.onError(message, error);
    if (options.quiet) return;
    process.stderr.write(`${message}${error instanceof Error ? `: ${error.stack ?? error.message}` : ''}\n`);
  };

  try {
    const reload = options.reload && needsRealHandlers ? options.reload : null;
    // The first bundle needs no environment: esbuild builds it while the emulators start.
    const preparedReload = reload
      ? prepareHandlerReloader({
          sourceRoot: reload.sourceRoot ?? findRepoRoot(),
          repoRoot: findRepoRoot(),
          outDir: reload.outDir ?? freshBuildDir(devStateDirIn(localStateDir())),
          ...(reload.watch !== undefined ? { watch: reload.watch } : {}),
          ...(reload.debounceMs !== undefined ? { debounceMs: reload.debounceMs } : {}),
          ...(reload.onReload ? { onReload: reload.onReload } : {}),
          ...(options.quiet ? {} : { log: (line: string) => process.stderr.write(`${line}\n`) }),
        })
      : null;
    if (preparedReload) stops.push(() => preparedReload.dispose());
    const [dynamodb, s3, sqs, issuer] = await Promise.all([
      startDynamoDb(options.persistDir ? { path: join(options.persistDir, 'dynamodb') } : {}).then(started<Emulator>),
      startS3({
        region,
        ...(options.persistDir ? { directory: join(options.persistDir, 's3') } : {}),
        ...(options.now ? { now: options.now } : {}),
        logError,
      }).then(started<Emulator>),
      startSqs({ region, accountId: ACCOUNT_ID }).then(started<Emulator>),
      startDevIssuer({ keysDir: options.keysDir ?? keysDirIn(localStateDir()) }).then(started<DevIssuer>),
    ]);
    // Started after the emulators its steps use, so that it stops (ending executions in flight) before them.
    const workflows = started(
      await startLocalWorkflows({
        stage,
        region,
        accountId: ACCOUNT_ID,
        ...(options.workflowRetryIntervalMs !== undefined ? { retryIntervalMs: options.workflowRetryIntervalMs } : {}),
        localIam: () => localIam,
        reloadedSteps: () => reloader?.current().steps,
        logError,
      }),
    );

    const clientConfig = { region, credentials: LOCAL_CREDENTIALS };
    const dynamoClient = new DynamoDBClient({ ...clientConfig, endpoint: dynamodb.endpoint });
    const s3Client = new S3Client({ ...clientConfig, endpoint: s3.endpoint, forcePathStyle: true });
    const sqsClient = new SQSClient({ ...clientConfig, endpoint: sqs.endpoint });
    // The poller plays the jobs queue's event source mapping, which calls SQS with the worker's role.
    const pollerSqs = new SQSClient({ ...clientConfig, endpoint: sqs.endpoint });
    const doc = createDocumentClient({ ...clientConfig, endpoint: dynamodb.endpoint });
    stops.push(async () => {
      for (const client of [dynamoClient, s3Client, sqsClient, pollerSqs, doc]) client.destroy();
    });

    const [, , queueUrls] = await Promise.all([
      ensureTable(dynamoClient, names.table),
      ensureBucket(s3Client, names.bucket, allowedOrigins),
      ensureQueues(sqsClient, names.queuePrefix, { visibilityTimeoutSeconds: options.jobs?.visibilityTimeoutSeconds }),
    ]);
    const seeded = options.seed === false ? 0 : await seedCatalog(doc, names.table, await loadCatalogFixture());

    const env = localEnvironment({
      stage,
      region,
      tableName: names.table,
      bucketName: names.bucket,
      jobsQueueUrl: queueUrls.jobs,
      ingestionArn: workflows.ingestionArn,
      allowedOrigins,
      cursorSigningKey: randomBytes(32).toString('base64url'),
      auth: {
        kind: 'local',
        issuer: issuer.issuer,
        clientIds: [...issuer.clientIds],
        jwksUri: issuer.jwksUri,
        // Seeded as a deployed stage seeds Cognito's keys (infra/auth.ts): no JWKS fetch in a cold start. The
        // verifier still fetches jwksUri for a key id it does not know.
        jwks: issuer.jwks as { keys: { kty: string }[] },
      },
      endpoints: { dynamodb: dynamodb.endpoint, s3: s3.endpoint, sqs: sqs.endpoint, stepfunctions: workflows.endpoint },
    });
    env[LOCAL_IAM_ENV] = iamEnabled ? 'on' : 'off';
    applyEnvironment(env);
    if (iamEnabled) {
      // Before the handler modules are imported: core's client factories pick the check up when they create clients.
      const iam = installLocalIam({
        stage,
        region,
        accountId: ACCOUNT_ID,
        tableName: names.table,
        bucketName: names.bucket,
        jobsQueueUrl: queueUrls.jobs,
        ingestionArn: workflows.ingestionArn,
      });
      localIam = iam;
      stops.push(async () => iam.stop());
      pollerSqs.middlewareStack.use(iam.pluginFor('worker'));
    }
    // Before any handler can emit: their EMF lines are data for the runtime, not terminal output.
    const metrics = tapEmf();
    stops.push(async () => metrics.stop());
    // After the environment and the IAM check are in place: the bundled modules read both when imported. The
    // Lambda runtime's streaming global first, as on AWS.
    installLambdaStreamingRuntime();
    if (preparedReload) reloader = started(await preparedReload.start());
    const current = reloader;
    const loaded = current
      ? reloadingTierHandlers(() => current.current(), injected)
      : await loadTierHandlers(injected);
    const loadedStreams = {
      ...(current ? reloadingStreamHandlers(() => current.current(), injected) : await loadStreamHandlers(injected)),
      ...options.streamHandlers,
    };
    const streamHandlers = localIam
      ? Object.fromEntries(
          Object.entries(loadedStreams).map(([tier, handler]) => [tier, localIam?.asTier(tier as HttpTier, handler)]),
        )
      : loadedStreams;
    const handlers: TierHandlers = localIam
      ? Object.fromEntries(
          Object.entries(loaded).map(([tier, handler]) => [tier, localIam?.asTier(tier as HttpTier, handler)]),
        )
      : loaded;
    const realWorker = async (): Promise<SqsHandler> =>
      current ? (event, context) => current.current().worker(event, context) : await loadWorkerHandler();
    const loadedWorker =
      options.worker === undefined ? (needsRealHandlers ? await realWorker() : null) : options.worker;
    const worker = loadedWorker && localIam ? localIam.asTier('worker', loadedWorker) : loadedWorker;
    // After the clients it uses (so it stops before them), and before the gateway that queues its jobs.
    const jobs = worker
      ? started(
          await startLocalJobs({
            sqs: pollerSqs,
            queueUrl: queueUrls.jobs,
            handler: worker,
            region,
            accountId: ACCOUNT_ID,
            ...(options.jobs ? { settings: options.jobs } : {}),
            ...(options.quiet ? { quiet: true } : {}),
          }),
        )
      : null;
    if (needsRealHandlers && !current) realHandlersLoaded = true;

    let gatewayRef: LocalGateway | undefined;
    // Imported only when served: the CLI's other commands and the test suites never load it.
    const devConsole: LocalConsole | null = options.console
      ? (await import('./console')).startLocalConsole({
          clock: options.now ?? systemClock,
          issuer,
          doc,
          tableName: names.table,
          sqs: sqsClient,
          queueUrls,
          workflows: workflows.emulator,
          apiUrl: () => gatewayRef?.url ?? '',
          s3Origin: new URL(s3.endpoint).origin,
          concurrency: () => gatewayRef?.concurrency() ?? null,
        })
      : null;
    if (devConsole) stops.push(() => devConsole.stop());
    const accessLog = options.quiet
      ? undefined
      : (entry: AccessLogEntry) => process.stderr.write(formatAccessLog(entry));
    const log =
      devConsole || accessLog
        ? (entry: AccessLogEntry) => {
            devConsole?.record(entry);
            accessLog?.(entry);
          }
        : undefined;

    const settings = options.gateway ?? {};
    const gateway: LocalGateway = started(
      await startLocalGateway({
        handlers,
        streamHandlers,
        authorizer: { issuer: issuer.issuer, audience: issuer.clientIds, jwks: issuer.jwks },
        ...(options.host !== undefined ? { host: options.host } : {}),
        port: options.port ?? 0,
        ...(settings.timeoutMs !== undefined ? { timeoutMs: settings.timeoutMs } : {}),
        ...(settings.maxPayloadBytes !== undefined ? { maxPayloadBytes: settings.maxPayloadBytes } : {}),
        ...(settings.throttling !== undefined ? { throttling: settings.throttling } : {}),
        ...(settings.concurrency ? { concurrency: settings.concurrency } : {}),
        ...(settings.sharedPool !== undefined ? { sharedPool: settings.sharedPool } : {}),
        ...(settings.stage !== undefined ? { stage: settings.stage } : {}),
        ...(settings.basePath !== undefined ? { basePath: settings.basePath } : {}),
        cors: settings.cors === undefined ? defaultCors(allowedOrigins) : settings.cors,
        ...(settings.onResponse ? { onResponse: settings.onResponse } : {}),
        region,
        accountId: ACCOUNT_ID,
        ...(log ? { log } : {}),
        ...(devConsole ? { sidecar: { prefix: devConsole.path, listener: devConsole.listener } } : {}),
        logError,
      }),
    );

    gatewayRef = gateway;
    devConsole?.prewarm();

    return {
      url: gateway.url,
      consoleUrl: devConsole ? `${gateway.url}${devConsole.path}` : null,
      allowedOrigins,
      port: gateway.port,
      endpoints: {
        dynamodb: dynamodb.endpoint,
        s3: s3.endpoint,
        sqs: sqs.endpoint,
        stepfunctions: workflows.endpoint,
        jwks: issuer.jwksUri,
      },
      issuer,
      region,
      tableName: names.table,
      bucketName: names.bucket,
      queueUrls,
      env,
      seeded,
      workflows,
      jobs,
      metrics,
      reloader,
      stop: stopAll,
    };
  } catch (error) {
    await stopAll().catch(() => undefined);
    throw error;
  }
}
