import { BUNDLE_BUDGET_BYTES, GATEWAY_CONSTANT, STREAM_FIRST_EVENT_BUDGET, THROUGHPUT_BUDGETED } from '../budgets';
import type { FloodScenario } from '../flood';
import type { StreamResult } from '../stream';
import { find, kb, ms, table, times } from './format';
import { BUNDLE_BUDGET_NOTES, WARM_NOTES } from './notes';
import type { BenchResults } from './results';

/** What dominates the api tier's cold start: its split between load and first request, the profile, the metafile. */
export function profileSection(results: BenchResults): string[] {
  const { cold, coldRuns, bundles, profile } = results;
  // The profile runs on the deployed runtime as Lambda starts it: quote that row's medians (older results: the host's).
  const deployedRow = profile.runtime
    ? coldRuns.find((run) => run.lambda && !run.error && profile.runtime?.startsWith(run.label))
    : undefined;
  const api = find(deployedRow?.results ?? cold, 'api');
  const apiBundle = find(bundles, 'api');
  const where = deployedRow
    ? `On Node ${deployedRow.node} started as Lambda starts it, levers as deployed (the profiled run: the bootstrap's flags through the exec wrapper, the compile cache, DynamoDB over TLS)`
    : 'On the plain host Node (the profiled row)';
  return [
    "## What the api tier's cold start spends",
    '',
    `${where}, the api tier answers its first \`GET /me\` ${api ? ms(api.firstResponse.median) : '-'} after its`,
    `process starts (median of the cold runs): ${api ? ms(api.load.median) : '-'} loading the bundle (Node bootstrap, the runtime client's \`node:http\`,`,
    `${kb(apiBundle?.initialBytes ?? 0)} of JavaScript, every module's top level) and ${api ? ms(api.firstRequest.median) : '-'} on the first request (the RS256 check, the`,
    "limiter's two DynamoDB calls on an SDK that initialises lazily, a TLS handshake). Self time in one profiled cold",
    `start (\`node --cpu-prof\`, ${profile.totalMs} ms sampled; bundle code mapped to its npm package through source maps):`,
    '',
    table(
      ['owner', 'self time', 'share'],
      profile.byOwner.slice(0, 10).map((owner) => [owner.name, `${owner.ms} ms`, `${owner.share}%`]),
    ),
    '',
    `Largest packages in the api tier's initial load (metafile): ${(apiBundle?.topPackages ?? [])
      .slice(0, 6)
      .map((entry) => `${entry.path} ${kb(entry.bytes)}`)
      .join(', ')}.`,
    '',
  ];
}

export function bundlesSection(results: BenchResults): string[] {
  const { bundles } = results;
  const tiers = bundles.filter((bundle) => bundle.kind === 'tier');
  return [
    '## Bundles',
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
  ];
}

export function warmSection(results: BenchResults): string[] {
  const { warm, settings } = results;
  const floor = find(warm, 'floor');
  return [
    '## Warm overhead',
    '',
    `${settings.warmRepeats} processes per subject (subjects taking turns), each running ${settings.warmup} invocations`,
    `to warm up, then ${settings.warmIterations} sequential invocations of the handler, each timed alone (handler call to`,
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
        floor ? `${(result.us.median - floor.us.median).toFixed(0)} µs` : '-',
      ]),
    ),
    '',
    ...WARM_NOTES,
    '',
  ];
}

export function throughputSection(results: BenchResults, chart: string | undefined): string[] {
  const { load, settings } = results;
  const bare = find(load, THROUGHPUT_BUDGETED.baseline);
  const constant = find(load, 'bare node-server, constant');
  const gatewayConstant = find(load, GATEWAY_CONSTANT);
  const gatewayCatalog = find(load, THROUGHPUT_BUDGETED.subject);
  const perRequestUs = (result: { requestsPerSecond: number }) => 1e6 / result.requestsPerSecond;
  return [
    '## Throughput',
    '',
    ...(chart ? [`![Throughput](${chart})`, ''] : []),
    `autocannon in its own process, ${settings.connections} connections over loopback, ${settings.loadSeconds} s per`,
    `run after a ${settings.warmLoadSeconds} s warm-up; the catalog targets ran ${settings.loadRounds} rounds, taking turns.`,
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
    "What each row is: the *gateway* rows go through toolgate's local API Gateway (payload-v2 event, manifest routing,",
    'reserved concurrency, throttling off) into the built tier bundles (the deployed code), loaded into the same',
    'process. *Bare, same DynamoDB read* is a bare @hono/node-server app making the same repository call against the',
    'same DynamoDB emulator, in the same process; *bare, constant* answers the same product from memory. The budget',
    'compares the gateway with the same-read baseline: the emulator (dynalite, single-threaded, in the same process)',
    `bounds both${bare && constant ? ` at ~${bare.requestsPerSecond} req/s, while the constant server does ${constant.requestsPerSecond}` : ''}, so a ratio against`,
    "the constant server would measure the emulator, not toolgate's per-request cost. `GET /me` is slower by design:",
    'every request verifies the JWT and makes two DynamoDB calls (the plan and the counter, at once).',
    ...(gatewayConstant && constant
      ? [
          '',
          `*Gateway, constant handler* is a second local gateway whose public tier answers the same product from memory:`,
          `against the bare constant server it shows the gateway's own cost, about ${Math.round(perRequestUs(gatewayConstant) - perRequestUs(constant))} µs a request at 10 connections.`,
          ...(bare && gatewayCatalog
            ? [
                `The catalog gateway row spends about ${Math.round(perRequestUs(gatewayCatalog) - perRequestUs(bare))} µs a request more than the bare same-read server: the`,
                "gateway's share above, the rest is the tier's own work around the same read (Lambda adapter, logger, guard, per-IP",
                'bucket, ETag, headers).',
              ]
            : []),
        ]
      : []),
    '',
  ];
}

export function floodSection(results: BenchResults, chart: string | undefined): string[] {
  const flood = results.flood;
  if (!flood) return [];
  const row = (label: string, cell: (s: FloodScenario) => string) => [label, cell(flood.isolated), cell(flood.shared)];
  const statuses = (record: Record<string, number>) =>
    Object.entries(record)
      .map(([status, count]) => `${status}×${count}`)
      .join(' ') || '-';
  return [
    '## Flood isolation',
    '',
    ...(chart ? [`![Flood](${chart})`, ''] : []),
    `\`pnpm demo:flood\` (packages/local/src/demo/flood.ts) in its own process: ${flood.plan.connections} connections flood the`,
    `public catalog at ${flood.plan.floodRatePerSecond} req/s while one client calls \`${flood.plan.authPath}\` every ${flood.plan.authIntervalMs} ms, ${flood.plan.phaseMs / 1000} s without`,
    `and ${flood.plan.phaseMs / 1000} s with the flood; public executions are held ${flood.publicExecutionMs} ms, as a slow dependency would. (a) is`,
    `the deployed design (reserved concurrency per tier), (b) the same tiers sharing one pool of ${flood.sharedPool}.`,
    '',
    table(
      ['', '(a) reserved per tier', `(b) one shared pool of ${flood.sharedPool}`],
      [
        row(
          'authenticated requests (failed)',
          (s) => `${s.baseline.sent + s.flooded.sent} (${s.baseline.failures + s.flooded.failures})`,
        ),
        row(
          `${flood.plan.authPath} p99 without / with flood`,
          (s) => `${s.baseline.p99Ms.toFixed(1)} / ${s.flooded.p99Ms.toFixed(1)} ms`,
        ),
        row('flood requests sent', (s) => String(s.flood.sent)),
        row('flood answers', (s) => statuses(s.flood.statuses)),
        row('flood p99', (s) => `${s.flood.p99Ms.toFixed(0)} ms`),
      ],
    ),
    '',
    flood.problems.length === 0
      ? '(a) Isolation held: no authenticated request failed and its p99 stayed within bounds while the flood was refused.'
      : `(a) ISOLATION FAILED in this run: ${flood.problems.join('; ')}.`,
    flood.starved
      ? '(b) The shared pool starved the authenticated client, as it should without reserved concurrency.'
      : '(b) The shared pool did not show starvation in this run (the flood was not strong enough on this machine).',
    '',
  ];
}

export function memorySection(results: BenchResults): string[] {
  const run = results.coldRuns.find((candidate) => candidate.lambda && !candidate.error);
  const rows = run?.results ?? results.cold;
  return [
    '## Memory',
    '',
    `Peak RSS of the cold processes (median${run ? `, ${run.label}` : ''}): ${rows.map((result) => `${result.name} ${result.peakRssMiB.median.toFixed(0)} MiB`).join(', ')}.`,
    'Every tier fits the 128 MB Lambda minimum with room; the memory size is chosen for CPU, which Lambda scales with',
    'memory (1,769 MB is one vCPU). A cold start is CPU-bound and single-threaded, so below 1,769 MB it stretches by',
    '`1769 / memory` for the same GB-seconds: `pnpm cost --memory` prints cold start and monthly cost per size.',
    '',
  ];
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

export function streamSection(results: BenchResults): string[] {
  if (!results.stream) return [];
  return [
    '## Streamed chat (issue 18)',
    '',
    renderStream(results.stream),
    '',
    `Budget: the first event within ${STREAM_FIRST_EVENT_BUDGET} × the buffered answer's time (medians, same run).`,
    '',
  ];
}
