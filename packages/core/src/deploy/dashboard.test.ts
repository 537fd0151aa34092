import { describe, expect, it } from 'vitest';
import { DEFAULT_CONCURRENCY_BUDGET, splitApiConcurrency, TIERS } from '../concurrency';
import { manifest, routeKey } from '../manifest';
import { METRIC_NAMES, METRICS_NAMESPACE } from '../metrics/catalogue';
import { chartedFunctions, dashboardBody, metricReferences, unknownMetricReferences } from './dashboard';

const input = {
  stage: 'production',
  region: 'us-east-1',
  apiId: 'a1b2c3',
  apiStage: '$default',
  reserved: DEFAULT_CONCURRENCY_BUDGET,
  jobsQueueName: 'jobs',
  deadLettersQueueName: 'jobs-dlq',
  stateMachineArn: 'arn:aws:states:us-east-1:123456789012:stateMachine:ingestion',
};

describe('dashboard', () => {
  const body = dashboardBody(input);
  const references = metricReferences(body);

  it('charts only metrics the code emits (with the dimensions it emits them under) or AWS publishes', () => {
    expect(unknownMetricReferences(references)).toEqual([]);
    // ...and the check can fail: a typo, a dimension the code does not emit, a dimension set AWS does not publish.
    expect(
      unknownMetricReferences([
        { namespace: METRICS_NAMESPACE, metric: 'JobsDone', dimensions: ['service'] },
        { namespace: METRICS_NAMESPACE, metric: 'RateLimited', dimensions: ['service', 'plan', 'sub'] },
        { namespace: 'AWS/Lambda', metric: 'ConcurrentExecutions', dimensions: ['FunctionName', 'Resource'] },
        { namespace: 'AWS/ApiGateway', metric: '5XXError', dimensions: ['ApiId'] },
      ]),
    ).toHaveLength(4);
  });

  it('charts every catalogued metric, every tier and every manifest route', () => {
    const charted = new Set(references.filter((r) => r.namespace === METRICS_NAMESPACE).map((r) => r.metric));
    expect([...charted].sort()).toEqual([...METRIC_NAMES].sort());
    const json = JSON.stringify(body);
    for (const tier of TIERS) expect(json).toContain(`toolgate-production-${tier}`);
    for (const spec of manifest) expect(json).toContain(JSON.stringify({ label: routeKey(spec) }));
  });

  it('opens with the public and api tiers side by side, each against its own reserved line, with its throttles', () => {
    const [heading, publicTier, apiTier] = body.widgets;
    expect(heading?.type).toBe('text');
    expect([publicTier?.y, apiTier?.y]).toEqual([2, 2]);
    expect([publicTier?.x, apiTier?.x, publicTier?.width, apiTier?.width]).toEqual([0, 12, 12, 12]);
    for (const [widget, tier] of [
      [publicTier, 'public'],
      [apiTier, 'api'],
    ] as const) {
      const properties = widget?.properties as {
        metrics: unknown[][];
        annotations: { horizontal: { value: number }[] };
      };
      // The api function keeps only its share of the tier's budget: the stream function has the rest.
      const reserved =
        tier === 'api'
          ? splitApiConcurrency(DEFAULT_CONCURRENCY_BUDGET.api).buffered
          : DEFAULT_CONCURRENCY_BUDGET[tier];
      expect(properties.annotations.horizontal[0]?.value).toBe(reserved);
      expect(properties.metrics.map((line) => line[1])).toEqual(['ConcurrentExecutions', 'Throttles']);
    }
  });

  it('charts every function deployed against the reservation it really has: the api stream function too', () => {
    const { buffered, stream } = splitApiConcurrency(DEFAULT_CONCURRENCY_BUDGET.api);
    expect(chartedFunctions('production', DEFAULT_CONCURRENCY_BUDGET)).toEqual([
      { label: 'public', name: 'toolgate-production-public', ceiling: 10 },
      { label: 'api', name: 'toolgate-production-api', ceiling: buffered },
      { label: 'api stream', name: 'toolgate-production-api-stream', ceiling: stream },
      { label: 'webhook', name: 'toolgate-production-webhook', ceiling: 5 },
      { label: 'worker', name: 'toolgate-production-worker', ceiling: 5 },
      { label: 'steps', name: 'toolgate-production-steps', ceiling: 5 },
    ]);
    const panels = body.widgets.filter((widget) => JSON.stringify(widget).includes('toolgate-production-api-stream'));
    expect(panels.map((widget) => (widget.properties as { title: string }).title)).toEqual([
      `api stream: concurrency vs reserved (${stream})`,
      'Errors by function (crash, timeout, failed init)',
      'Duration p99 by function (ms)',
      'Cold starts by function',
    ]);
    expect(chartedFunctions('dev', 'off').map((fn) => fn.ceiling)).toEqual([...Array(6)].map(() => undefined));
  });

  it('keeps the grid tidy: no widget overlaps another, none is wider than the dashboard', () => {
    const cells = new Set<string>();
    for (const w of body.widgets) {
      expect(w.x + w.width).toBeLessThanOrEqual(24);
      for (let x = w.x; x < w.x + w.width; x++) {
        for (let y = w.y; y < w.y + w.height; y++) {
          expect(cells.has(`${x},${y}`)).toBe(false);
          cells.add(`${x},${y}`);
        }
      }
    }
  });
});
