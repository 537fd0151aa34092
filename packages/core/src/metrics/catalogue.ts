import { RATE_CLASSES } from '../manifest/types';
import { PLANS } from '../plans';

/**
 * Every business metric toolgate emits, as data: the Powertools adapter (packages/functions/src/metrics.ts) emits
 * exactly these, the dashboard (deploy/dashboard.ts) may chart only these or what AWS publishes
 * (deploy/aws-metrics.ts), and `pnpm infra:smoke` checks that it does. EMF, one CloudWatch namespace per app.
 *
 * Dimensions must stay bounded: a dimension value that is not in its list is recorded as `other`, so no user id, IP
 * address, route parameter or model-chosen string can ever mint a new time series (each one is billed). `tool` is
 * bounded by the tool registry: only a registered tool's name is recorded.
 */
export const METRICS_NAMESPACE = 'toolgate';

/** The value that stands for anything outside a dimension's list. */
export const OTHER = 'other';

export const PROVIDERS = ['dev', 'bedrock', 'openai'] as const;
export const TOOL_OUTCOMES = ['ok', 'rejected', 'failed'] as const;
export const JOB_OUTCOMES = ['succeeded', 'failed', 'retried'] as const;
export const INGESTION_OUTCOMES = ['ready', 'failed'] as const;
export const WEBHOOK_OUTCOMES = ['applied', 'recorded', 'linked', 'stale', 'conflict', 'ignored', 'duplicate'] as const;
/** The per-IP limiter (public tier) counts as the `anonymous` plan and the `public` class. */
export const LIMITED_PLANS = [...PLANS, 'anonymous'] as const;
export const LIMITED_CLASSES = [...RATE_CLASSES, 'public'] as const;

/** A dimension whose values are whatever registered tool names exist (bounded by the registry, not by this list). */
export const REGISTERED_TOOL = 'registered-tool';
/** Powertools' own ColdStart metric: one series per function (five tiers). */
export const FUNCTION_NAME = 'function-name';

type DimensionValues = readonly string[] | typeof REGISTERED_TOOL | typeof FUNCTION_NAME;

export interface MetricSpec {
  unit: 'Count' | 'Milliseconds';
  /** Dimension name → the values it may take. Every data point carries all of them, plus `service` (the stage). */
  dimensions: Readonly<Record<string, DimensionValues>>;
  /** What a panel of it answers (docs/observability.md). */
  answers: string;
}

export const METRIC_CATALOGUE = {
  ChatTokensIn: {
    unit: 'Count',
    dimensions: { provider: PROVIDERS },
    answers: 'Model input tokens spent, by provider (chats and jobs): the model bill as it accrues',
  },
  ChatTokensOut: {
    unit: 'Count',
    dimensions: { provider: PROVIDERS },
    answers: 'Model output tokens spent, by provider',
  },
  ToolCalls: {
    unit: 'Count',
    dimensions: { tool: REGISTERED_TOOL, outcome: TOOL_OUTCOMES },
    answers: 'Tool calls (REST, MCP and the agent loop) by tool and outcome: which tool fails, and how',
  },
  RateLimited: {
    unit: 'Count',
    dimensions: { plan: LIMITED_PLANS, rateClass: LIMITED_CLASSES },
    answers: '429s toolgate answered itself: per-IP (anonymous/public) and per-plan by rate class',
  },
  Jobs: {
    unit: 'Count',
    dimensions: { outcome: JOB_OUTCOMES },
    answers: 'Job deliveries by outcome: succeeded, failed for good, or left for a retry',
  },
  JobDuration: {
    unit: 'Milliseconds',
    dimensions: { outcome: JOB_OUTCOMES },
    answers: 'How long a job delivery ran, by outcome',
  },
  Ingestions: {
    unit: 'Count',
    dimensions: { outcome: INGESTION_OUTCOMES },
    answers: 'Uploads whose ingestion ended READY or FAILED',
  },
  Webhooks: {
    unit: 'Count',
    dimensions: { outcome: WEBHOOK_OUTCOMES },
    answers: 'Stripe webhook deliveries by what they did to plans',
  },
  ColdStart: {
    unit: 'Count',
    dimensions: { function_name: FUNCTION_NAME },
    answers: "Cold starts per tier function (Powertools' ColdStart metric)",
  },
} as const satisfies Record<string, MetricSpec>;

export type MetricName = keyof typeof METRIC_CATALOGUE;
export const METRIC_NAMES = Object.keys(METRIC_CATALOGUE) as MetricName[];

type ValueOf<D> = D extends readonly (infer V)[] ? V | typeof OTHER : string;
/** The dimensions a data point of `N` carries, with their allowed values as types. */
export type DimensionsOf<N extends MetricName> = {
  -readonly [K in keyof (typeof METRIC_CATALOGUE)[N]['dimensions']]: ValueOf<
    (typeof METRIC_CATALOGUE)[N]['dimensions'][K]
  >;
};

/** The service dimension's value: one series per stage (dev and production may share an account). */
export function metricsService(stage: string): string {
  return `toolgate-${stage}`;
}

const PLAIN = /^[A-Za-z0-9_.:-]{1,64}$/;

/** `value` when it is one of `values`, else `other`: for a value read from data, typed for `record()`. */
export function within<const V extends string>(values: readonly V[], value: unknown): V | typeof OTHER {
  return values.includes(value as V) ? (value as V) : OTHER;
}

/**
 * The dimensions as they may be emitted: each listed dimension present (missing → `other`), a value outside its list
 * → `other`, a free-form value (tool, function name) kept only when plain and short. Extra keys are dropped.
 */
export function boundedDimensions(
  name: MetricName,
  dimensions: Readonly<Record<string, string>>,
): Record<string, string> {
  const spec: MetricSpec = METRIC_CATALOGUE[name];
  const bounded: Record<string, string> = {};
  for (const [key, allowed] of Object.entries(spec.dimensions)) {
    const value = dimensions[key];
    const ok = typeof allowed === 'string' ? value !== undefined && PLAIN.test(value) : allowed.includes(value ?? '');
    bounded[key] = ok && value !== undefined ? value : OTHER;
  }
  return bounded;
}
