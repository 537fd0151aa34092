/**
 * What CloudWatch Logs does with a Lambda's stdout, locally: the handlers run in this process and Powertools Metrics
 * writes each data point as an EMF line to `process.stdout`; the runtime taps that stream, turns EMF lines into data
 * points (and keeps them off the terminal: `pnpm dev` prints a summary instead), and passes every other line on.
 *
 * In-process API (the console's Tiers view, tests): `runtime.metrics.subscribe(listener)` for each data point as it
 * is emitted, `runtime.metrics.totals()` for the sums since the runtime started.
 */

export interface MetricPoint {
  /** Epoch ms, the EMF line's `_aws.Timestamp`. */
  at: number;
  namespace: string;
  name: string;
  unit: string;
  value: number;
  dimensions: Record<string, string>;
}

export interface MetricTotal {
  name: string;
  unit: string;
  dimensions: Record<string, string>;
  /** Sum of the values, and how many data points. */
  sum: number;
  count: number;
}

export interface LocalMetrics {
  subscribe(listener: (point: MetricPoint) => void): () => void;
  totals(): MetricTotal[];
  stop(): void;
}

interface EmfDirective {
  Namespace?: unknown;
  Dimensions?: unknown;
  Metrics?: unknown;
}

/** The data points of one EMF line, or none when the line is not EMF (any other log line). */
export function parseEmfLine(line: string): MetricPoint[] {
  if (!line.includes('"_aws"')) return [];
  let root: Record<string, unknown>;
  try {
    root = JSON.parse(line) as Record<string, unknown>;
  } catch {
    return [];
  }
  const aws = root?._aws as { Timestamp?: unknown; CloudWatchMetrics?: unknown } | undefined;
  if (!aws || typeof aws.Timestamp !== 'number' || !Array.isArray(aws.CloudWatchMetrics)) return [];
  const points: MetricPoint[] = [];
  for (const directive of aws.CloudWatchMetrics as EmfDirective[]) {
    if (typeof directive.Namespace !== 'string' || !Array.isArray(directive.Metrics)) continue;
    const keys = Array.isArray(directive.Dimensions) ? ((directive.Dimensions[0] as unknown[]) ?? []) : [];
    const dimensions = Object.fromEntries(
      keys.filter((key): key is string => typeof key === 'string').map((key) => [key, String(root[key] ?? '')]),
    );
    for (const metric of directive.Metrics as { Name?: unknown; Unit?: unknown }[]) {
      if (typeof metric.Name !== 'string') continue;
      const raw = root[metric.Name];
      for (const value of Array.isArray(raw) ? raw : [raw]) {
        if (typeof value !== 'number') continue;
        const unit = typeof metric.Unit === 'string' ? metric.Unit : 'None';
        points.push({ at: aws.Timestamp, namespace: directive.Namespace, name: metric.Name, unit, value, dimensions });
      }
    }
  }
  return points;
}

const keyOf = (name: string, dimensions: Record<string, string>) =>
  `${name}{${Object.entries(dimensions)
    .filter(([key]) => key !== 'service')
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([key, value]) => `${key}=${value}`)
    .join(',')}}`;

/** One line for a batch of data points: `Jobs{outcome=succeeded} 2 · ChatTokensIn{provider=dev} 1350`. */
export function formatMetricsSummary(points: readonly MetricPoint[]): string {
  const sums = new Map<string, { sum: number; unit: string }>();
  for (const point of points) {
    const key = keyOf(point.name, point.dimensions);
    const entry = sums.get(key) ?? { sum: 0, unit: point.unit };
    entry.sum += point.value;
    sums.set(key, entry);
  }
  return [...sums.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([key, { sum, unit }]) => `${key} ${Math.round(sum * 100) / 100}${unit === 'Milliseconds' ? ' ms' : ''}`)
    .join(' · ');
}

type Write = typeof process.stdout.write;

/** Taps `stream` (process.stdout) for EMF lines until `stop()`. */
export function tapEmf(stream: NodeJS.WriteStream = process.stdout): LocalMetrics {
  const listeners = new Set<(point: MetricPoint) => void>();
  const totals = new Map<string, MetricTotal>();
  const original = stream.write;

  const take = (points: MetricPoint[]) => {
    for (const point of points) {
      const key = keyOf(point.name, point.dimensions);
      const total = totals.get(key) ?? {
        name: point.name,
        unit: point.unit,
        dimensions: point.dimensions,
        sum: 0,
        count: 0,
      };
      total.sum += point.value;
      total.count += 1;
      totals.set(key, total);
      for (const listener of listeners) listener(point);
    }
  };

  const tapped = function (this: NodeJS.WriteStream, chunk: unknown, ...rest: unknown[]): boolean {
    const text = typeof chunk === 'string' ? chunk : Buffer.isBuffer(chunk) ? chunk.toString('utf8') : undefined;
    if (text === undefined || !text.includes('"_aws"'))
      return (original as (...args: unknown[]) => boolean).call(this, chunk, ...rest);
    const kept: string[] = [];
    for (const line of text.split('\n')) {
      const points = parseEmfLine(line);
      if (points.length > 0) take(points);
      else kept.push(line);
    }
    const remaining = kept.join('\n');
    if (remaining.trim() !== '') return (original as (...args: unknown[]) => boolean).call(this, remaining, ...rest);
    const callback = rest.find((arg) => typeof arg === 'function') as (() => void) | undefined;
    if (callback) process.nextTick(callback);
    return true;
  };
  stream.write = tapped as Write;

  return {
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    totals: () => [...totals.values()].map((total) => ({ ...total, dimensions: { ...total.dimensions } })),
    stop() {
      listeners.clear();
      // Only when nobody wrapped it since (a test's output capture restores its own).
      if (stream.write === (tapped as Write)) stream.write = original;
    },
  };
}
