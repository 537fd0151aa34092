import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { formatMetricsSummary, type MetricPoint, parseEmfLine, tapEmf } from './metrics';

const line = (name: string, value: number | number[], dimensions: Record<string, string>) =>
  JSON.stringify({
    _aws: {
      Timestamp: 1_800_000_000_000,
      CloudWatchMetrics: [
        {
          Namespace: 'toolgate',
          Dimensions: [['service', ...Object.keys(dimensions)]],
          Metrics: [{ Name: name, Unit: 'Count' }],
        },
      ],
    },
    service: 'toolgate-local',
    ...dimensions,
    [name]: value,
  });

describe('EMF parsing', () => {
  it('turns an EMF line into its data points (a value array is several), and anything else into none', () => {
    expect(parseEmfLine(line('Jobs', [1, 2], { outcome: 'succeeded' }))).toEqual([
      expect.objectContaining({
        name: 'Jobs',
        value: 1,
        dimensions: { service: 'toolgate-local', outcome: 'succeeded' },
      }),
      expect.objectContaining({ name: 'Jobs', value: 2, at: 1_800_000_000_000, namespace: 'toolgate', unit: 'Count' }),
    ]);
    expect(parseEmfLine('{"level":"INFO","message":"request"}')).toEqual([]);
    expect(parseEmfLine('{"_aws": nope')).toEqual([]);
    expect(parseEmfLine(JSON.stringify({ _aws: { CloudWatchMetrics: [] } }))).toEqual([]);
  });

  it('sums a minute of points into one line, without the service dimension', () => {
    const points = [
      ...parseEmfLine(line('Jobs', 1, { outcome: 'succeeded' })),
      ...parseEmfLine(line('Jobs', 1, { outcome: 'succeeded' })),
      ...parseEmfLine(line('RateLimited', 3, { rateClass: 'chat', plan: 'free' })),
    ];
    expect(formatMetricsSummary(points)).toBe('Jobs{outcome=succeeded} 2 · RateLimited{plan=free,rateClass=chat} 3');
  });

  it('takes EMF lines off the stream, passes every other line on, and gives the stream back on stop', () => {
    const stream = new PassThrough() as unknown as NodeJS.WriteStream;
    const written: string[] = [];
    const original = (chunk: unknown) => {
      written.push(String(chunk));
      return true;
    };
    stream.write = original as typeof stream.write;
    const metrics = tapEmf(stream);
    const seen: MetricPoint[] = [];
    metrics.subscribe((point) => seen.push(point));
    stream.write(`${line('Jobs', 1, { outcome: 'failed' })}\n`);
    stream.write('{"message":"request"}\n');
    expect(written).toEqual(['{"message":"request"}\n']);
    expect(seen.map((p) => p.name)).toEqual(['Jobs']);
    expect(metrics.totals()).toEqual([
      { name: 'Jobs', unit: 'Count', dimensions: { service: 'toolgate-local', outcome: 'failed' }, sum: 1, count: 1 },
    ]);
    metrics.stop();
    expect(stream.write).toBe(original);
  });
});
