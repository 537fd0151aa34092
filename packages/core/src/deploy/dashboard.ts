import { type ConcurrencyBudget, deployedApiSplit, TIERS, type Tier } from '../concurrency';
import { type HttpMethod, manifest, routeKey, streamRoutes } from '../manifest';
import { RATE_CLASSES } from '../manifest/types';
import {
  INGESTION_OUTCOMES,
  JOB_OUTCOMES,
  METRIC_CATALOGUE,
  METRICS_NAMESPACE,
  type MetricName,
  metricsService,
  PROVIDERS,
  WEBHOOK_OUTCOMES,
} from '../metrics/catalogue';
import { PLANS } from '../plans';
import { AWS_PUBLISHED_METRICS } from './aws-metrics';
import { functionName, streamFunctionName } from './stages';

/**
 * The stage's CloudWatch dashboard, as data (infra/dashboard.ts deploys it; docs/observability.md explains each
 * panel). The first rows answer the seed incident's question at a glance: each tier's concurrency against its own
 * reserved ceiling, with its throttles on the same panel — the public tier pinned at its line while the api tier's
 * panel stays low and flat is "the flood is contained", the api tier at its line is the paid-user outage.
 *
 * Longer than 300 lines on purpose: it is mostly the dashboard's declaration, panel by panel, in the order it is
 * shown; splitting it would scatter one page's layout over files.
 */
export interface DashboardInput {
  stage: string;
  region: string;
  apiId: string;
  /** The HTTP API's stage name (`$default` with SST). */
  apiStage: string;
  reserved: ConcurrencyBudget | 'off';
  jobsQueueName: string;
  deadLettersQueueName: string;
  stateMachineArn: string;
}

type MetricLine = (string | Record<string, unknown>)[];
interface Widget {
  type: 'metric' | 'text';
  x: number;
  y: number;
  width: number;
  height: number;
  properties: Record<string, unknown>;
}

const PERIOD = 60;

/** A function the dashboard charts: a tier's, or the api tier's stream function; `ceiling` its reserved concurrency. */
interface Charted {
  label: string;
  name: string;
  ceiling: number | undefined;
}

/**
 * Every function the stage deploys, each with the reservation it really has: the api function keeps only its share
 * when the manifest streams (`deployedApiSplit`, as infra/api.ts deploys it), and the stream function has the rest.
 */
export function chartedFunctions(stage: string, reserved: ConcurrencyBudget | 'off'): Charted[] {
  const streaming = streamRoutes().length > 0;
  const split = deployedApiSplit(reserved, streaming);
  const ceiling = (tier: Tier) =>
    reserved === 'off' ? undefined : tier === 'api' && split ? split.buffered : reserved[tier];
  const tiers = TIERS.map((tier) => ({ label: tier, name: functionName(stage, tier), ceiling: ceiling(tier) }));
  if (!streaming) return tiers;
  const stream = { label: 'api stream', name: streamFunctionName(stage, 'api'), ceiling: split?.stream };
  const api = tiers.findIndex((fn) => fn.label === 'api');
  return [...tiers.slice(0, api + 1), stream, ...tiers.slice(api + 1)];
}

export function dashboardBody(input: DashboardInput): { widgets: Widget[] } {
  const { stage, region } = input;
  const service = metricsService(stage);
  const widgets: Widget[] = [];
  let y = 0;
  const row = (height: number, ...cells: { width: number; widget: Omit<Widget, 'x' | 'y' | 'width' | 'height'> }[]) => {
    let x = 0;
    for (const cell of cells) {
      widgets.push({ ...cell.widget, x, y, width: cell.width, height });
      x += cell.width;
    }
    y += height;
  };
  const text = (markdown: string) => ({ width: 24, widget: { type: 'text' as const, properties: { markdown } } });
  const graph = (
    width: number,
    title: string,
    metrics: MetricLine[],
    options: { stat?: string; annotations?: unknown; yAxis?: unknown } = {},
  ) => ({
    width,
    widget: {
      type: 'metric' as const,
      properties: {
        title,
        region,
        view: 'timeSeries',
        period: PERIOD,
        stat: options.stat ?? 'Sum',
        metrics,
        ...options,
      },
    },
  });
  const functions = chartedFunctions(stage, input.reserved);
  const charted = (label: string): Charted => {
    const found = functions.find((candidate) => candidate.label === label);
    if (!found) throw new Error(`the dashboard charts no function ${label}`);
    return found;
  };
  const lambda = (metric: string, fn: Charted, extra: Record<string, unknown> = {}): MetricLine => [
    'AWS/Lambda',
    metric,
    'FunctionName',
    fn.name,
    { label: fn.label, ...extra },
  ];
  const ours = (name: MetricName, dimensions: Record<string, string>, extra: Record<string, unknown> = {}) => [
    METRICS_NAMESPACE,
    name,
    'service',
    service,
    ...Object.entries(dimensions).flat(),
    { label: Object.values(dimensions).join(' ') || name, ...extra },
  ];

  const concurrency = (label: string, width: number) => {
    const fn = charted(label);
    const { ceiling } = fn;
    return graph(
      width,
      `${label}: concurrency vs reserved${ceiling === undefined ? ' (no reservation on this stage)' : ` (${ceiling})`}`,
      [
        lambda('ConcurrentExecutions', fn, { stat: 'Maximum', label: 'concurrent executions (max)' }),
        lambda('Throttles', fn, { stat: 'Sum', yAxis: 'right', color: '#d62728', label: 'throttles' }),
      ],
      ceiling === undefined
        ? {}
        : { annotations: { horizontal: [{ label: 'reserved concurrency', value: ceiling, color: '#ff7f0e' }] } },
    );
  };

  row(
    2,
    text(
      `# toolgate ${stage}: is a tier at its ceiling?\n` +
        'Each tier is its own Lambda with its own reserved concurrency. A tier pinned at its orange line with red ' +
        'throttles is out of capacity; the others must stay where they are. Runbook: docs/observability.md.',
    ),
  );
  row(6, concurrency('public', 12), concurrency('api', 12));
  // The api tier's stream function (when the manifest streams) sits with the tiers paid users reach.
  const rest = functions.filter((fn) => fn.label !== 'public' && fn.label !== 'api').map((fn) => fn.label);
  const width = Math.floor(24 / rest.length);
  row(6, ...rest.map((label) => concurrency(label, width)));
  row(
    6,
    graph(
      8,
      'Errors by function (crash, timeout, failed init)',
      functions.map((fn) => lambda('Errors', fn)),
    ),
    graph(
      8,
      'Duration p99 by function (ms)',
      functions.map((fn) => lambda('Duration', fn)),
      { stat: 'p99' },
    ),
    graph(
      8,
      'Cold starts by function',
      functions.map((fn) => ours('ColdStart', { function_name: fn.name }, { label: fn.label })),
    ),
  );

  const route = (metric: string, spec: (typeof manifest)[number], extra: Record<string, unknown> = {}): MetricLine => [
    'AWS/ApiGateway',
    metric,
    'ApiId',
    input.apiId,
    'Method',
    spec.method satisfies HttpMethod,
    'Resource',
    spec.path,
    'Stage',
    input.apiStage,
    { label: routeKey(spec), ...extra },
  ];
  row(
    6,
    graph(
      8,
      'Gateway 5xx by route',
      manifest.map((spec) => route('5xx', spec)),
    ),
    graph(
      8,
      'Gateway 4xx by route (429s from throttling included)',
      manifest.map((spec) => route('4xx', spec)),
    ),
    graph(
      8,
      'Gateway latency p99 by route (ms)',
      manifest.map((spec) => route('Latency', spec)),
      { stat: 'p99' },
    ),
  );
  row(
    6,
    graph(12, "429s per IP (public tier's in-memory limiter)", [
      ours('RateLimited', { plan: 'anonymous', rateClass: 'public' }, { label: 'per-IP limit' }),
    ]),
    graph(
      12,
      '429s per plan and rate class (DynamoDB counters)',
      PLANS.flatMap((plan) => RATE_CLASSES.map((rateClass) => ours('RateLimited', { plan, rateClass }))),
    ),
  );
  row(
    6,
    graph(8, 'Jobs queue: depth and age of the oldest message (s)', [
      [
        'AWS/SQS',
        'ApproximateNumberOfMessagesVisible',
        'QueueName',
        input.jobsQueueName,
        { stat: 'Maximum', label: 'depth' },
      ],
      [
        'AWS/SQS',
        'ApproximateAgeOfOldestMessage',
        'QueueName',
        input.jobsQueueName,
        { stat: 'Maximum', yAxis: 'right', label: 'oldest (s)' },
      ],
    ]),
    graph(8, 'Jobs dead-letter queue depth', [
      [
        'AWS/SQS',
        'ApproximateNumberOfMessagesVisible',
        'QueueName',
        input.deadLettersQueueName,
        { stat: 'Maximum', label: 'dead letters' },
      ],
    ]),
    graph(
      8,
      'Ingestion workflow: failed and timed-out executions',
      ['ExecutionsFailed', 'ExecutionsTimedOut', 'ExecutionsStarted'].map((metric) => [
        'AWS/States',
        metric,
        'StateMachineArn',
        input.stateMachineArn,
        { label: metric.replace('Executions', '').toLowerCase() },
      ]),
    ),
  );
  row(
    6,
    graph(
      8,
      'Jobs by outcome',
      JOB_OUTCOMES.map((outcome) => ours('Jobs', { outcome })),
    ),
    graph(
      8,
      'Job duration p99 by outcome (ms)',
      JOB_OUTCOMES.map((outcome) => ours('JobDuration', { outcome })),
      { stat: 'p99' },
    ),
    graph(
      8,
      'Model tokens by provider (in / out)',
      PROVIDERS.flatMap((provider) => [
        ours('ChatTokensIn', { provider }, { label: `${provider} in` }),
        ours('ChatTokensOut', { provider }, { label: `${provider} out` }),
      ]),
    ),
  );
  row(
    6,
    graph(8, 'Tool calls by tool and outcome', [
      [
        {
          expression: `SEARCH('{${METRICS_NAMESPACE},service,tool,outcome} MetricName="ToolCalls" service="${service}"', 'Sum', ${PERIOD})`,
          label: '',
          id: 'tools',
        },
      ],
    ]),
    graph(
      8,
      'Ingestions by outcome',
      INGESTION_OUTCOMES.map((outcome) => ours('Ingestions', { outcome })),
    ),
    graph(
      8,
      'Stripe webhooks by outcome',
      WEBHOOK_OUTCOMES.map((outcome) => ours('Webhooks', { outcome })),
    ),
  );
  return { widgets };
}

export interface MetricReference {
  namespace: string;
  metric: string;
  dimensions: string[];
}

/** Every metric a dashboard body charts: plain metric lines, and the metrics a SEARCH expression asks for. */
export function metricReferences(body: {
  widgets: readonly { properties?: Record<string, unknown> }[];
}): MetricReference[] {
  const references: MetricReference[] = [];
  for (const widget of body.widgets) {
    for (const line of (widget.properties?.metrics ?? []) as unknown[][]) {
      const head = line[0];
      if (typeof head === 'string') {
        const names = line.filter((part): part is string => typeof part === 'string');
        const [namespace, metric, ...pairs] = names;
        references.push({
          namespace: namespace as string,
          metric: metric as string,
          dimensions: pairs.filter((_, index) => index % 2 === 0),
        });
      } else if (head && typeof head === 'object' && 'expression' in head) {
        const expression = String((head as { expression: unknown }).expression);
        const search = /SEARCH\('\{([^}]*)\}\s+MetricName="([^"]+)"/.exec(expression);
        if (!search) throw new Error(`dashboard: an expression that is not a SEARCH: ${expression}`);
        const [namespace, ...dimensions] = (search[1] as string).split(',').map((part) => part.trim());
        references.push({ namespace: namespace as string, metric: search[2] as string, dimensions });
      }
    }
  }
  return references;
}

const sameSet = (a: readonly string[], b: readonly string[]) =>
  a.length === b.length && [...a].sort().every((value, index) => value === [...b].sort()[index]);

/**
 * What a dashboard charts that nothing emits: each reference must be a catalogued toolgate metric with exactly the
 * dimensions the code emits (its own plus `service`), or an AWS-published metric under a dimension set AWS uses.
 */
export function unknownMetricReferences(references: readonly MetricReference[]): string[] {
  const problems: string[] = [];
  for (const ref of references) {
    const where = `${ref.namespace} ${ref.metric} [${ref.dimensions.join(', ')}]`;
    if (ref.namespace === METRICS_NAMESPACE) {
      const spec = (METRIC_CATALOGUE as Record<string, { dimensions: Record<string, unknown> }>)[ref.metric];
      if (!spec) problems.push(`${where}: not in the metric catalogue`);
      else if (!sameSet(ref.dimensions, ['service', ...Object.keys(spec.dimensions)])) {
        problems.push(`${where}: the code emits it with [service, ${Object.keys(spec.dimensions).join(', ')}]`);
      }
      continue;
    }
    const published = AWS_PUBLISHED_METRICS[ref.namespace];
    if (!published) problems.push(`${where}: not a namespace toolgate uses`);
    else if (!published.metrics.includes(ref.metric)) problems.push(`${where}: AWS publishes no such metric`);
    else if (!published.dimensionSets.some((set) => sameSet(set, ref.dimensions))) {
      problems.push(
        `${where}: AWS publishes it under ${published.dimensionSets.map((s) => `[${s.join(', ')}]`).join(' or ')}`,
      );
    }
  }
  return problems;
}
