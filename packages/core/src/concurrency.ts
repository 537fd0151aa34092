/**
 * The concurrency budget: how many concurrent executions each tier's Lambda may use (reserved concurrency).
 * Reserving concurrency both guarantees a tier its share and caps it, so a flood of public traffic can never
 * take the executions the paid `api` tier needs. The numbers are data so that tests, infra and
 * `pnpm preflight` all read the same ones.
 */
export const TIERS = ['public', 'api', 'webhook', 'worker', 'steps'] as const;
export type Tier = (typeof TIERS)[number];

export type ConcurrencyBudget = Record<Tier, number>;

export const DEFAULT_CONCURRENCY_BUDGET: ConcurrencyBudget = {
  public: 10,
  api: 50,
  webhook: 5,
  worker: 5,
  steps: 5,
};

/**
 * The chat stream's function (docs/adr/0003-streaming.md) belongs to the api tier: the api tier's code behind a
 * Lambda Function URL in RESPONSE_STREAM mode. Its reserved concurrency is carved out of the api tier's, so the
 * budget and its checks stay per tier: a flood of streams can take at most this share, and never the executions the
 * api tier's buffered routes keep.
 */
export function splitApiConcurrency(api: number): { buffered: number; stream: number } {
  if (!Number.isInteger(api) || api < 2) throw new Error('the api tier needs at least 2 reserved executions to split');
  const stream = Math.max(1, Math.floor(api / 5));
  return { buffered: api - stream, stream };
}

/**
 * The api tier's reservation as deployed (infra/api.ts, and the dashboard's lines): split with its stream function
 * when the manifest has stream routes (`streaming`); null when the api function keeps the whole tier's budget, or the
 * stage reserves nothing.
 */
export function deployedApiSplit(
  budget: ConcurrencyBudget | 'off',
  streaming: boolean,
): { buffered: number; stream: number } | null {
  return budget === 'off' || !streaming ? null : splitApiConcurrency(budget.api);
}

/** AWS keeps this many executions unreserved in every account; a deploy that would go below it fails. */
export const UNRESERVED_MINIMUM = 100;

/** The default regional concurrency quota of an established account (new accounts may start at 10). */
export const DEFAULT_ACCOUNT_LIMIT = 1000;

export function totalReserved(budget: ConcurrencyBudget): number {
  return TIERS.reduce((sum, tier) => sum + budget[tier], 0);
}

export interface BudgetCheck {
  ok: boolean;
  reserved: number;
  unreservedLeft: number;
  problems: string[];
}

/** The rules the budget must keep; infra tests and `pnpm preflight` both call this. */
export function checkBudget(budget: ConcurrencyBudget, accountLimit: number): BudgetCheck {
  const reserved = totalReserved(budget);
  const unreservedLeft = accountLimit - reserved;
  const problems: string[] = [];
  for (const tier of TIERS) {
    if (!Number.isInteger(budget[tier]) || budget[tier] < 1)
      problems.push(`${tier}: reserved concurrency must be a positive integer`);
  }
  if (unreservedLeft < UNRESERVED_MINIMUM) {
    problems.push(
      `reserving ${reserved} of ${accountLimit} would leave ${unreservedLeft} unreserved; AWS requires at least ${UNRESERVED_MINIMUM}`,
    );
  }
  if (budget.public >= budget.api) problems.push('the public tier must get less concurrency than the api tier');
  return { ok: problems.length === 0, reserved, unreservedLeft, problems };
}

/**
 * Gateway throttling (token bucket: steady rate per second, burst). The stage limit covers every route; public
 * routes get a tighter one so that anonymous traffic alone cannot use the stage's whole allowance.
 */
export interface Throttle {
  rateLimit: number;
  burstLimit: number;
}

export interface GatewayThrottling {
  stage: Throttle;
  publicRoutes: Throttle;
}

/**
 * Route throttles are separate buckets per route, and all of them draw on one account-level throttle shared by every
 * API of the account in the Region: the sum over routes must stay under it (see `gatewayRateDemand`).
 */
export const DEFAULT_GATEWAY_THROTTLING: GatewayThrottling = {
  stage: { rateLimit: 500, burstLimit: 1000 },
  publicRoutes: { rateLimit: 100, burstLimit: 200 },
};

/**
 * API Gateway's default throttle per account and Region, across all of its HTTP, REST and WebSocket APIs (10,000 rps;
 * 2,500 in some newer Regions). `pnpm preflight` reads the real value from Service Quotas.
 */
export const DEFAULT_ACCOUNT_GATEWAY_RPS = 10_000;

/** API Gateway HTTP API limits that the local gateway reproduces. */
export const GATEWAY_LIMITS = {
  maxPayloadBytes: 10 * 1024 * 1024,
  integrationTimeoutMs: 30_000,
} as const;
