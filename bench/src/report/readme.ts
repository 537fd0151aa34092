import { RUNTIME_NODE_VERSION } from '../../../packages/functions/build';
import { THROUGHPUT_BUDGETED, WARM_BUDGETED } from '../budgets';
import { find, kb, ms, table, times } from './format';
import type { BenchResults } from './results';

/** The README's performance section, regenerated with the figures of the same run (`bench/README-section.md`). */
export function renderReadmeSection(results: BenchResults): string {
  const { meta, bundles, warm, load, verdicts } = results;
  // The deployed runtime's row (Lambda-like, levers as deployed): what the README quotes.
  const deployed = results.coldRuns.find((run) => run.lambda && run.node === `v${RUNTIME_NODE_VERSION}`);
  const c = (name: string) => (deployed ? find(deployed.results, name) : undefined);
  const floor = c('floor');
  const coldCell = (name: string, peerName: string) => {
    const result = c(name);
    const peer = c(peerName);
    if (!result || !peer) return '-';
    const value = result.firstResponse.median;
    return `${ms(value)} (${times(value, peer.firstResponse.median)} ${peerName})`;
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
    'and measures, against baselines measured in the same run: bundle sizes; cold start on Node 22 and 24 started as',
    'Lambda starts them (fresh processes per tier, each answering a real request against the local emulators), with',
    'the cold-start levers every stage deploys (a deploy-time V8 compile cache and an exec wrapper) and without, and',
    'the api tier with and without lazy routes; the warm overhead of a JWT-verified route; throughput through the',
    'local API Gateway; and the flood-isolation demo.',
    'It writes [`bench/RESULTS.md`](bench/RESULTS.md) with its charts, which explains every figure, and',
    '`bench/results.json`. `pnpm bench --check` exits non-zero when a budget is missed; CI runs the deterministic part,',
    '`pnpm bench:bundles` (sizes only, seconds).',
    '',
    `Latest run (${meta.date.slice(0, 10)}, commit \`${meta.commit.slice(0, 7)}\`, Node ${meta.node} on a shared 2-core`,
    'machine: compare the ratios, not the milliseconds):',
    '',
    table(
      ['', 'public tier', 'api tier', 'baselines'],
      [
        ['bundle: loaded at cold start / deployed', size('public'), size('api'), `bare Hono ${size('floor')}`],
        [
          `cold start to first response, median (Node ${RUNTIME_NODE_VERSION} as Lambda starts it)`,
          coldCell('public', 'peer'),
          coldCell('api', 'peer-api'),
          `bare Hono ${floor ? ms(floor.firstResponse.median) : '-'}; + one read through the AWS SDK ${c('sdk-floor') ? ms(c('sdk-floor')?.firstResponse.median ?? 0) : '-'}; Express peers ${c('peer') ? ms(c('peer')?.firstResponse.median ?? 0) : '-'} (catalog), ${c('peer-api') ? ms(c('peer-api')?.firstResponse.median ?? 0) : '-'} (\`GET /me\`'s work)`,
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
      : `Budgets missed in this run: ${missed.map((verdict) => verdict.name).join('; ')}. RESULTS.md says why.`,
    '',
  ].join('\n');
}
