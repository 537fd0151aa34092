import { readFileSync } from 'node:fs';
import {
  boundedDimensions,
  METRIC_CATALOGUE,
  METRIC_NAMES,
  METRICS_NAMESPACE,
  type MetricName,
  metricsService,
} from '@toolgate/core/metrics/catalogue';
import { createTierMetrics } from '@toolgate/functions/metrics';
import { Ajv } from 'ajv';
import { afterEach, describe, expect, it, vi } from 'vitest';

/**
 * The metrics toolgate emits are EMF lines that CloudWatch Logs turns into metrics only when they follow the
 * specification: each line is validated against the specification's JSON schema (vendored in fixtures with its
 * source), and against the rules the schema cannot say (every referenced dimension and metric is a root member).
 */
const schema = JSON.parse(readFileSync(new URL('./fixtures/emf-schema.json', import.meta.url), 'utf8'));
// Not strict: the published schema carries keywords that do not apply to their type (`minItems` on a string).
const validate = new Ajv({ strict: false }).compile(schema);

afterEach(() => {
  vi.restoreAllMocks();
  vi.unstubAllEnvs();
});

/** What the adapter writes to stdout (where Lambda ships it to CloudWatch Logs) while `run` runs. */
function emitted(run: () => void): Record<string, unknown>[] {
  const chunks: string[] = [];
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk: unknown) => {
    chunks.push(String(chunk));
    return true;
  });
  run();
  vi.restoreAllMocks();
  return chunks
    .join('')
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

/** A plausible data point of every catalogued metric (the catalogue's first allowed value of each dimension). */
function sampleDimensions(name: MetricName): Record<string, string> {
  return Object.fromEntries(
    Object.entries(METRIC_CATALOGUE[name].dimensions).map(([key, values]) => [
      key,
      typeof values === 'string' ? 'catalog_get' : (values[0] as string),
    ]),
  );
}

describe('EMF output', () => {
  it('every catalogued metric, and the cold start, is one valid EMF line with its bounded dimensions', () => {
    vi.stubEnv('AWS_LAMBDA_INITIALIZATION_TYPE', 'on-demand'); // what Lambda sets (Powertools reads it when made)
    const metrics = createTierMetrics('emftest');
    const lines = emitted(() => {
      metrics.coldStart('toolgate-emftest-api');
      metrics.coldStart('toolgate-emftest-api'); // once per instance
      for (const name of METRIC_NAMES.filter((n) => n !== 'ColdStart')) {
        metrics.record(name, 3, sampleDimensions(name) as never);
      }
      // A dimension value outside its list is recorded as `other`, never as given.
      metrics.record('RateLimited', 1, { plan: 'sub-of-a-user' as never, rateClass: 'chat' });
    });
    expect(lines).toHaveLength(METRIC_NAMES.length + 1);
    for (const line of lines) {
      expect(validate(line), JSON.stringify(validate.errors)).toBe(true);
      const aws = line._aws as {
        Timestamp: number;
        CloudWatchMetrics: { Namespace: string; Dimensions: string[][]; Metrics: { Name: string; Unit: string }[] }[];
      };
      const [directive] = aws.CloudWatchMetrics;
      expect(aws.CloudWatchMetrics).toHaveLength(1);
      expect(directive?.Namespace).toBe(METRICS_NAMESPACE);
      const [metric] = directive?.Metrics ?? [];
      const name = metric?.Name as MetricName;
      const spec = METRIC_CATALOGUE[name];
      expect(spec, `${name} is not in the catalogue`).toBeDefined();
      expect(metric?.Unit).toBe(spec.unit);
      // The spec: every dimension and metric a directive references is a member of the root node.
      expect(line[name]).toEqual(expect.any(Number));
      const dimensionSet = directive?.Dimensions[0] ?? [];
      expect([...dimensionSet].sort()).toEqual(['service', ...Object.keys(spec.dimensions)].sort());
      for (const key of dimensionSet) expect(line[key], key).toEqual(expect.any(String));
      expect(line.service).toBe(metricsService('emftest'));
      const own = Object.fromEntries(Object.keys(spec.dimensions).map((key) => [key, line[key] as string]));
      expect(own).toEqual(boundedDimensions(name, own));
    }
    expect(lines.filter((line) => 'ColdStart' in line)).toEqual([
      expect.objectContaining({ function_name: 'toolgate-emftest-api', ColdStart: 1 }),
    ]);
    expect(lines.at(-1)).toMatchObject({ RateLimited: 1, plan: 'other', rateClass: 'chat' });
  });

  it('the schema refuses what CloudWatch would not extract (so the test above can fail)', () => {
    expect(validate({ _aws: { CloudWatchMetrics: [] } })).toBe(false);
    const valid = {
      _aws: { Timestamp: 1, CloudWatchMetrics: [{ Namespace: 'n', Dimensions: [['a']], Metrics: [{ Name: 'm' }] }] },
      a: 'x',
      m: 1,
    };
    expect(validate(valid)).toBe(true);
    const badUnit = structuredClone(valid);
    (badUnit._aws.CloudWatchMetrics[0]?.Metrics[0] as { Unit?: string }).Unit = 'Tokens';
    expect(validate(badUnit)).toBe(false);
  });
});
