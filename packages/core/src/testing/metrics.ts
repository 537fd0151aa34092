import { boundedDimensions, type MetricName } from '../metrics/catalogue';
import type { Metrics } from '../metrics/port';

export interface RecordedMetric {
  name: MetricName;
  value: number;
  dimensions: Record<string, string>;
}

/** An in-memory `Metrics`: every data point, as the adapter would emit it (dimensions bounded). */
export function recordingMetrics(): Metrics & {
  records: RecordedMetric[];
  sum(name: MetricName, where?: Record<string, string>): number;
} {
  const records: RecordedMetric[] = [];
  return {
    records,
    record(name, value, dimensions) {
      records.push({ name, value, dimensions: boundedDimensions(name, dimensions as Record<string, string>) });
    },
    sum(name, where = {}) {
      return records
        .filter((r) => r.name === name && Object.entries(where).every(([k, v]) => r.dimensions[k] === v))
        .reduce((total, r) => total + r.value, 0);
    },
  };
}
