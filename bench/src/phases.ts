/** The bench's phases after the builds (run.ts orders them): the served runtime, cold starts, profile, throughput. */
import { mkdir, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Product } from '@toolgate/core/catalog/schema';
import { COMPILE_CACHE_DIR } from '@toolgate/core/deploy/lambda-node';
import type { HttpTier } from '@toolgate/core/manifest';
import { startLocalGateway } from '@toolgate/local/gateway/server';
import { installLambdaStreamingRuntime, type StreamingLambdaHandler } from '@toolgate/local/gateway/streaming';
import type { LambdaHandler } from '@toolgate/local/gateway/types';
import { servedTiers } from '@toolgate/local/handlers';
import { type LocalRuntime, startLocalRuntime } from '@toolgate/local/runtime';
import { RUNTIME } from '../../packages/functions/build';
import { type BareServer, startBareCatalog, startBareConstant } from './bare-servers';
import { GATEWAY_CONSTANT, THROUGHPUT_BUDGETED } from './budgets';
import type { BundleResult } from './bundles';
import { CHILD_ENV } from './children/protocol';
import { type ColdRun, type ColdSubject, measureColdStarts } from './cold';
import { cleanups, fileOf, log, notePhase } from './harness';
import { buildLeverCaches, DEPLOYED_LEVERS, LEVER_TIERS, withLeverVariants } from './levers';
import { OUT_DIR } from './paths';
import { childEnvironment, runNode } from './processes';
import { type ProfileSummary, summarizeProfile } from './profile';
import { coldRuntimes, lambdaBaseEnvironment, lambdaSubject } from './runtimes';
import { CONNECTIONS, flags, SETTINGS, STREAM_CHUNK_DELAY_MS } from './settings';
import { type LoadResult, type LoadTarget, runLoad } from './throughput';
import { startTlsProxy } from './tls-proxy';

/** The local runtime, its gateway serving the built bundles: the deployed code, not the sources through tsx. */
export async function startServedRuntime(bundles: readonly BundleResult[], keysDir: string): Promise<LocalRuntime> {
  const loaded = new Map<string, LambdaHandler>();
  const bundleHandler =
    (tier: HttpTier): LambdaHandler =>
    async (event, context) => {
      // Imported on first use: a tier's module reads its configuration when imported, after the runtime set it.
      const file = fileOf(bundles, tier);
      let handler = loaded.get(file);
      if (!handler) {
        handler = ((await import(pathToFileURL(file).href)) as { handler: LambdaHandler }).handler;
        loaded.set(file, handler);
      }
      return handler(event, context);
    };
  // The api bundle's response-streaming handler, as a Function URL invokes it (the runtime's global first).
  installLambdaStreamingRuntime();
  let streamHandler: StreamingLambdaHandler | undefined;
  const bundleStreamHandler: StreamingLambdaHandler = async (event, responseStream, context) => {
    streamHandler ??= (
      (await import(pathToFileURL(fileOf(bundles, 'api')).href)) as { streamHandler: StreamingLambdaHandler }
    ).streamHandler;
    return streamHandler(event, responseStream, context);
  };
  process.env.TOOLGATE_DEV_MODEL_CHUNK_DELAY_MS = String(STREAM_CHUNK_DELAY_MS);
  const runtime = await startLocalRuntime({
    handlers: Object.fromEntries(servedTiers().map((tier) => [tier, bundleHandler(tier)])),
    streamHandlers: { api: bundleStreamHandler },
    port: 0,
    quiet: true,
    keysDir,
    gateway: { throttling: null },
  });
  cleanups.push(() => runtime.stop());
  return runtime;
}

/** 1. Cold starts of every subject on every runtime (the Lambda-like ones with the lever variants). */
export async function coldPhase(options: {
  subjects: ColdSubject[];
  runtime: LocalRuntime;
  env: Record<string, string>;
  childScript: string;
}): Promise<ColdRun[]> {
  const { subjects, runtime, env, childScript } = options;
  const runtimes = await coldRuntimes(flags.node ?? process.execPath, log);
  // A compile cache left from an earlier build of the bundles would hold stale entries: each run builds its own.
  for (const subject of subjects) {
    if (subject.levers?.compileCache || (LEVER_TIERS as readonly string[]).includes(subject.name)) {
      await rm(join(dirname(subject.bundle), COMPILE_CACHE_DIR), { recursive: true, force: true });
    }
  }
  const dynamodbEndpoint = runtime.env.AWS_ENDPOINT_URL_DYNAMODB;
  if (!dynamodbEndpoint) throw new Error('the local runtime gave no DynamoDB endpoint');
  const tls = flags['dynamodb-http'] ? undefined : await startTlsProxy(new URL(dynamodbEndpoint));
  if (tls) cleanups.push(() => tls.stop());
  let reported = 0;
  notePhase('cold start');
  const coldRuns: ColdRun[] = [];
  for (const target of runtimes) {
    if ('error' in target) {
      log(`cold starts on ${target.label}: SKIPPED, ${target.error}`);
      coldRuns.push({
        label: target.label,
        node: `v${target.version}`,
        lambda: true,
        results: [],
        error: target.error,
      });
      continue;
    }
    const runSubjects = target.lambda
      ? withLeverVariants(subjects).map((subject) => lambdaSubject(subject, target.major, runtime.region))
      : subjects;
    if (target.lambda) {
      for (const line of await buildLeverCaches(runSubjects, target)) log(`  compile cache: ${line}`);
    }
    log(
      `cold starts on ${target.label}: ${SETTINGS.coldRuns} fresh processes each for ${runSubjects.map((subject) => subject.name).join(', ')}`,
    );
    reported = 0;
    const results = await measureColdStarts(runSubjects, {
      node: target.binary,
      runs: SETTINGS.coldRuns,
      env: target.lambda ? lambdaBaseEnvironment(env, tls) : env,
      childScript,
      onRun: (done, total) => {
        if (done === total || done - reported >= total / 4) {
          reported = done;
          log(`  ${done}/${total}`);
        }
      },
    });
    coldRuns.push({ label: target.label, node: target.node, lambda: target.lambda, results });
  }
  return coldRuns;
}

/** The Node major the functions deploy on (`RUNTIME`, `nodejs24.x`): the profiled cold start runs it. */
const DEPLOYED_NODE_MAJOR = Number(/^nodejs(\d+)\.x$/.exec(RUNTIME)?.[1]);

/**
 * 2. One profiled cold start of the api tier (its bundle built with source maps), on the deployed runtime started as
 * Lambda starts it: Node 24 with the bootstrap's flags through the exec wrapper, the compile cache built for this
 * bundle, the runtime client's `node:http`, DynamoDB over the TLS proxy. (A profile on the plain host Node showed
 * what Lambda does not do; this one found the proxy's 40 ms stall, `tls-proxy.ts`.) Falls back to the host Node when
 * Node 24 cannot be installed.
 */
export async function profilePhase(options: {
  childScript: string;
  bundle: string;
  event: unknown;
  env: Record<string, string>;
  runtime: LocalRuntime;
}): Promise<ProfileSummary> {
  const profileDir = join(OUT_DIR, 'cpu-profile');
  await rm(profileDir, { recursive: true, force: true });
  await mkdir(profileDir, { recursive: true });
  const profileArgs = [
    '--cpu-prof',
    `--cpu-prof-dir=${profileDir}`,
    '--cpu-prof-name=api-cold.cpuprofile',
    '--cpu-prof-interval=100',
  ];
  const deployed = (await coldRuntimes(process.execPath, log)).find(
    (runtime): runtime is Extract<typeof runtime, { binary: string }> =>
      'binary' in runtime && runtime.lambda && runtime.major === DEPLOYED_NODE_MAJOR,
  );
  let run: { node?: string; nodeArgs: string[]; env: Record<string, string>; runtime: string };
  const input = { bundle: options.bundle, event: options.event };
  if (deployed) {
    const subject = lambdaSubject(
      { name: 'api', bundle: options.bundle, event: options.event, expectStatus: 200, levers: DEPLOYED_LEVERS },
      deployed.major,
      options.runtime.region,
    );
    await rm(join(dirname(options.bundle), COMPILE_CACHE_DIR), { recursive: true, force: true });
    await buildLeverCaches([subject], deployed);
    const endpoint = options.runtime.env.AWS_ENDPOINT_URL_DYNAMODB;
    const tls = flags['dynamodb-http'] || !endpoint ? undefined : await startTlsProxy(new URL(endpoint));
    if (tls) cleanups.push(() => tls.stop());
    run = {
      node: deployed.binary,
      nodeArgs: [...(subject.nodeArgs ?? []), ...profileArgs],
      env: {
        ...lambdaBaseEnvironment(options.env, tls),
        ...subject.env,
        [CHILD_ENV]: JSON.stringify({ ...input, runtimeClient: true }),
      },
      runtime: `${deployed.label}, as deployed (levers on)`,
    };
  } else {
    run = {
      nodeArgs: profileArgs,
      env: { ...options.env, [CHILD_ENV]: JSON.stringify(input) },
      runtime: `the host's Node ${process.version}, no flags`,
    };
  }
  log(`CPU profile of one api cold start: ${run.runtime}`);
  const profileRun = await runNode(options.childScript, {
    ...(run.node ? { node: run.node } : {}),
    nodeArgs: run.nodeArgs,
    env: run.env,
    timeoutMs: 30_000,
    output: 'result-fd',
  });
  if (profileRun.code !== 0) throw new Error(`profiled cold start failed: ${profileRun.stderr}`);
  const summary = await summarizeProfile(join(profileDir, 'api-cold.cpuprofile'), join(OUT_DIR, 'profile'));
  return { runtime: run.runtime, ...summary };
}

/** 4. Throughput: the gateway (this process, running the tier handlers it imported) against bare node-servers. */
export async function throughputPhase(runtime: LocalRuntime, product: Product, token: string): Promise<LoadResult[]> {
  const servers: BareServer[] = [
    await startBareCatalog(runtime.region, runtime.tableName),
    await startBareConstant(product),
  ];
  for (const server of servers) cleanups.push(() => server.stop());
  const [bareCatalog, bareConstant] = servers as [BareServer, BareServer];
  // The gateway's own cost: a second local gateway whose public tier answers the same product from memory, against
  // the bare constant server (what the catalog rows add on top of it is the tier's work, not the gateway's).
  const body = JSON.stringify(product);
  const constantGateway = await startLocalGateway({
    handlers: {
      public: async () => ({
        statusCode: 200,
        headers: { 'content-type': 'application/json' },
        body,
        isBase64Encoded: false,
      }),
    },
    authorizer: { issuer: runtime.issuer.issuer, audience: [...runtime.issuer.clientIds], jwks: runtime.issuer.jwks },
    throttling: null,
    region: runtime.region,
  });
  cleanups.push(() => constantGateway.stop());
  const meTarget: LoadTarget = {
    name: 'gateway GET /me (JWT)',
    url: `${runtime.url}/me`,
    headers: { authorization: `Bearer ${token}` },
  };
  const catalogTargets: LoadTarget[] = [
    { name: THROUGHPUT_BUDGETED.baseline, url: `${bareCatalog.url}/catalog/${product.id}` },
    { name: THROUGHPUT_BUDGETED.subject, url: `${runtime.url}/catalog/${product.id}` },
  ];
  const targets: LoadTarget[] = [
    { name: 'bare node-server, constant', url: `${bareConstant.url}/catalog/${product.id}` },
    { name: GATEWAY_CONSTANT, url: `${constantGateway.url}/catalog/${product.id}` },
    // The catalog targets take turns, round after round: a noisy neighbour then hits them alike.
    ...Array.from({ length: SETTINGS.loadRounds }, () => catalogTargets).flat(),
    meTarget,
  ];
  notePhase('throughput');
  const rounds: LoadResult[] = [];
  const loadEnv = childEnvironment({});
  const warmedUp = new Set<string>();
  for (const target of targets) {
    if (!warmedUp.has(target.name)) {
      warmedUp.add(target.name);
      await runLoad(target, { durationS: SETTINGS.warmLoadSeconds, connections: CONNECTIONS, env: loadEnv });
    }
    log(`load: ${target.name} for ${SETTINGS.loadSeconds} s`);
    const result = await runLoad(target, { durationS: SETTINGS.loadSeconds, connections: CONNECTIONS, env: loadEnv });
    if (result.non2xx > 0 || result.errors > 0) {
      throw new Error(`load on ${target.name}: ${result.non2xx} non-2xx, ${result.errors} errors`);
    }
    rounds.push(result);
  }
  const load = [...new Set(rounds.map((round) => round.name))].map((name) => mergeRounds(rounds, name));
  // Requests autocannon abandoned at its deadline may still be in the handlers: let them finish before the
  // emulators stop under them (dynalite throws on a closed database).
  await new Promise((resolve) => setTimeout(resolve, 1_000));
  return load;
}

/** One figure per target over its rounds: requests/s summed over the time of all rounds, the worst p99. */
function mergeRounds(rounds: readonly LoadResult[], name: string): LoadResult {
  const mine = rounds.filter((round) => round.name === name);
  const seconds = mine.reduce((sum, round) => sum + round.durationS, 0);
  const total = mine.reduce((sum, round) => sum + round.total, 0);
  return {
    name,
    durationS: seconds,
    connections: CONNECTIONS,
    requestsPerSecond: Math.round(total / seconds),
    p50Ms: Math.max(...mine.map((round) => round.p50Ms)),
    p99Ms: Math.max(...mine.map((round) => round.p99Ms)),
    total,
    non2xx: mine.reduce((sum, round) => sum + round.non2xx, 0),
    errors: mine.reduce((sum, round) => sum + round.errors, 0),
    rounds: mine.map((round) => round.requestsPerSecond),
  };
}
