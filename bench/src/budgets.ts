import type { Tier } from '@toolgate/core/concurrency';
import { type BundleResult, ZOD_CLASSIC } from './bundles';
import type { ColdRun } from './cold';
import type { StreamResult } from './stream';
import type { LoadResult } from './throughput';
import type { WarmResult } from './warm';

/**
 * The budgets `pnpm bench --check` enforces. Timing budgets are ratios against baselines measured in the same run
 * (absolute times on a shared 2-core machine drift run to run); the bundle budgets are bytes, deterministic for a
 * given lockfile and source, which is why CI can check them.
 */
export interface ColdRatioBudget {
  subject: string;
  baseline: string;
  /** Median time to first response of `subject`, at most this multiple of `baseline`'s in the same run. */
  max: number;
}

/**
 * Issue 22's cold-start budgets, evaluated on each Lambda-like Node runtime (22 and 24, bootstrap flags; see
 * `lambda.ts`) separately: a tier must meet them on every runtime it may be deployed on. The peers do the same work
 * as the tier (`fixtures/peer.ts`: the catalog read; `fixtures/peer-api.ts`: `GET /me`'s JWT check and two
 * DynamoDB calls); the SDK floor is the least any DynamoDB-backed Hono Lambda can be.
 */
export const COLD_START_BUDGETS: readonly ColdRatioBudget[] = [
  { subject: 'api', baseline: 'peer-api', max: 0.75 },
  { subject: 'public', baseline: 'peer', max: 0.75 },
  { subject: 'api', baseline: 'sdk-floor', max: 1.3 },
];

/** p99 of one warm `GET /me` (JWT verified, no I/O), microseconds. */
export const WARM_P99_BUDGET_US = 1000;

/** The warm subject the budget applies to (the others are context). */
export const WARM_BUDGETED = 'api GET /me (no I/O)';

/** Gateway requests/s for `GET /catalog/{id}`, as a fraction of the bare node-server baseline's. */
export const THROUGHPUT_BUDGET = 0.7;
/** Reported, not budgeted: the local gateway in front of a handler that answers from memory (its own cost). */
export const GATEWAY_CONSTANT = 'gateway, constant handler';

export const THROUGHPUT_BUDGETED = {
  subject: 'gateway GET /catalog/{id}',
  baseline: 'bare node-server, same DynamoDB read',
} as const;

/**
 * A streamed chat's first event, as a fraction of the same chat's buffered answer time, medians of the same run
 * (issue 18): streaming is worth it only if the client sees something long before the whole answer.
 */
export const STREAM_FIRST_EVENT_BUDGET = 0.2;
export const STREAM_BUDGETED = {
  subject: 'streamed POST /chat, first event',
  baseline: 'buffered POST /chat, whole answer',
} as const;

const KiB = 1024;

/**
 * Bundle bytes per tier (minified, not gzipped): `initial` is what a cold start loads (the handler module and its
 * static imports), `total` everything deployed. RESULTS.md explains each number.
 */
export const BUNDLE_BUDGET_BYTES: Record<Tier, { initial: number; total: number }> = {
  // The public total includes the self-hosted API reference (Swagger UI, ~1.9 MB of text chunks that only
  // `GET /docs/assets/{asset}` loads): the code alone stays near 500 KB.
  public: { initial: 460 * KiB, total: 2560 * KiB },
  api: { initial: 510 * KiB, total: 1310 * KiB },
  webhook: { initial: 740 * KiB, total: 910 * KiB },
  worker: { initial: 550 * KiB, total: 1000 * KiB },
  steps: { initial: 475 * KiB, total: 920 * KiB },
};

/**
 * Packages a tier may load only on demand (a dynamic `import()`, its own chunk), never in its cold start: the SDK
 * clients that `GET /me`, `/tools` or `/mcp` do not need (`onFirstCall` in the deps), the MCP server and its JSON
 * Schema validator, the API reference page, the JWT verifier in the tiers that have no jwt route, and zod's classic
 * API (this codebase uses `zod/mini`; only the MCP SDK, itself loaded on demand, brings the classic API), and in the
 * api tier the services of every route but `API_EAGER_ROUTES` (the lazy-routes lever, `http/lazy-routes.ts`).
 * Deterministic, so CI checks it: an eager import that drags one of them back into a cold start fails the build.
 */
export const ON_DEMAND_ONLY: Record<Tier, readonly string[]> = {
  // No jwt route: the JWT verifier has no business in these cold starts (the guard only reads headers there).
  public: ['aws-jwt-verify', 'swagger-ui-dist', ZOD_CLASSIC],
  webhook: ['aws-jwt-verify', ZOD_CLASSIC],
  api: [
    '@aws-sdk/client-s3',
    '@aws-sdk/client-sqs',
    '@aws-sdk/client-sfn',
    '@aws-sdk/client-bedrock-runtime',
    '@aws-sdk/s3-presigned-post',
    '@aws-sdk/s3-request-presigner',
    '@modelcontextprotocol/sdk',
    'ajv',
    ZOD_CLASSIC,
    // The lazy-routes lever (handlers/api.ts): a cold start builds `GET /me` only; the other routes' services load
    // with the rest of the tier on their first request.
    'packages/core/src/agent',
    'packages/core/src/tools',
    'packages/core/src/jobs',
    'packages/core/src/uploads',
    'packages/core/src/workflows',
  ],
  worker: [ZOD_CLASSIC],
  steps: [ZOD_CLASSIC],
};

export interface Verdict {
  name: string;
  /** Deterministic budgets are the ones CI checks. */
  deterministic: boolean;
  measured: string;
  limit: string;
  pass: boolean;
}

interface Measured {
  bundles: readonly BundleResult[];
  /** One entry per Node runtime; only the Lambda-like ones are budgeted (the plain host Node row is context). */
  cold?: readonly ColdRun[];
  warm?: readonly WarmResult[];
  load?: readonly LoadResult[];
  stream?: StreamResult;
}

const kb = (bytes: number) => `${(bytes / 1024).toFixed(1)} KB`;

/** Every budget the measurements allow checking; the bundle-only run (CI) yields just the deterministic ones. */
export function evaluateBudgets(measured: Measured): Verdict[] {
  const verdicts: Verdict[] = [];
  for (const bundle of measured.bundles) {
    if (bundle.kind !== 'tier') continue;
    const limit = BUNDLE_BUDGET_BYTES[bundle.name as Tier];
    for (const part of ['initial', 'total'] as const) {
      const bytes = part === 'initial' ? bundle.initialBytes : bundle.totalBytes;
      verdicts.push({
        name: `bundle ${part}: ${bundle.name}`,
        deterministic: true,
        measured: kb(bytes),
        limit: `≤ ${kb(limit[part])}`,
        pass: bytes <= limit[part],
      });
    }
  }

  for (const bundle of measured.bundles) {
    const lazyOnly = bundle.kind === 'tier' ? ON_DEMAND_ONLY[bundle.name as Tier] : undefined;
    if (!lazyOnly) continue;
    const eager = lazyOnly.filter((owner) => bundle.initialPackages.includes(owner));
    verdicts.push({
      name: `loaded on demand only: ${bundle.name}`,
      deterministic: true,
      measured: eager.length === 0 ? 'none in the initial load' : `in the initial load: ${eager.join(', ')}`,
      limit: `none of ${lazyOnly.length} packages in the initial load`,
      pass: eager.length === 0,
    });
  }

  for (const run of measured.cold ?? []) {
    if (!run.lambda) continue;
    for (const budget of COLD_START_BUDGETS) {
      verdicts.push(coldVerdict(run, budget));
    }
  }

  const warm = measured.warm?.find((result) => result.name === WARM_BUDGETED);
  if (warm) {
    verdicts.push({
      name: 'warm JWT route p99',
      deterministic: false,
      measured: `${warm.us.p99.toFixed(0)} µs`,
      limit: `≤ ${WARM_P99_BUDGET_US} µs`,
      pass: warm.us.p99 <= WARM_P99_BUDGET_US,
    });
  }

  const gateway = measured.load?.find((result) => result.name === THROUGHPUT_BUDGETED.subject);
  const bare = measured.load?.find((result) => result.name === THROUGHPUT_BUDGETED.baseline);
  if (gateway && bare) {
    verdicts.push({
      name: 'gateway catalog throughput',
      deterministic: false,
      measured: `${gateway.requestsPerSecond} req/s = ${(gateway.requestsPerSecond / bare.requestsPerSecond).toFixed(2)} × bare (${bare.requestsPerSecond} req/s)`,
      limit: `≥ ${THROUGHPUT_BUDGET} × bare`,
      pass: gateway.requestsPerSecond >= THROUGHPUT_BUDGET * bare.requestsPerSecond,
    });
  }

  if (measured.stream) {
    const first = measured.stream.firstEvent.median;
    const whole = measured.stream.buffered.median;
    verdicts.push({
      name: 'chat stream first event',
      deterministic: false,
      measured: `${first.toFixed(1)} ms = ${(first / whole).toFixed(3)} × buffered (${whole.toFixed(1)} ms)`,
      limit: `≤ ${STREAM_FIRST_EVENT_BUDGET} × buffered`,
      pass: first <= STREAM_FIRST_EVENT_BUDGET * whole,
    });
  }
  return verdicts;
}

function coldVerdict(run: ColdRun, budget: ColdRatioBudget): Verdict {
  const name = `cold start (${run.label}): ${budget.subject} vs ${budget.baseline}`;
  const limit = `≤ ${budget.max} × ${budget.baseline}`;
  if (run.error) return { name, deterministic: false, measured: run.error, limit, pass: false };
  const median = (subject: string) => run.results.find((result) => result.name === subject)?.firstResponse.median;
  const value = median(budget.subject);
  const base = median(budget.baseline);
  if (value === undefined || base === undefined) {
    const missing = value === undefined ? budget.subject : budget.baseline;
    return { name, deterministic: false, measured: `not measured: no ${missing} row`, limit, pass: false };
  }
  return {
    name,
    deterministic: false,
    measured: `${value.toFixed(0)} ms = ${(value / base).toFixed(2)} × ${budget.baseline} (${base.toFixed(0)} ms)`,
    limit,
    pass: value <= budget.max * base,
  };
}
