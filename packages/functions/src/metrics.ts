import { Metrics as PowertoolsMetrics } from '@aws-lambda-powertools/metrics';
import {
  boundedDimensions,
  METRIC_CATALOGUE,
  METRICS_NAMESPACE,
  metricsService,
} from '@toolgate/core/metrics/catalogue';
import type { Metrics } from '@toolgate/core/metrics/port';

/** Core's `Metrics` port, as EMF lines on stdout (Powertools Metrics), plus Powertools' ColdStart metric. */
export interface TierMetrics extends Metrics {
  /** Once per instance (Powertools keeps the flag): call it at the start of every invocation. */
  coldStart(functionName: string | undefined): void;
}

/**
 * The Powertools adapter. Each data point is its own EMF line (`singleMetric()`), written at once: nothing is
 * buffered across awaits, so overlapping invocations in one process (the local runtime, Lambda Managed Instances)
 * never mix their data points, and there is no flush to forget. CloudWatch Logs extracts them; the local runtime
 * parses the same lines (packages/local/src/metrics.ts). Dimension values are bounded by the catalogue.
 */
export function createTierMetrics(stage: string): TierMetrics {
  const powertools = new PowertoolsMetrics({ namespace: METRICS_NAMESPACE, serviceName: metricsService(stage) });
  return {
    record(name, value, dimensions) {
      if (!Number.isFinite(value) || value < 0) return;
      const point = powertools.singleMetric();
      for (const [key, bounded] of Object.entries(boundedDimensions(name, dimensions as Record<string, string>))) {
        point.addDimension(key, bounded);
      }
      point.addMetric(name, METRIC_CATALOGUE[name].unit, value);
    },
    coldStart(functionName) {
      powertools.captureColdStartMetric(functionName);
    },
  };
}
