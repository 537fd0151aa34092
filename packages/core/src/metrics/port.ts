import type { DimensionsOf, MetricName } from './catalogue';

/**
 * How domain code records a business event: one data point of a catalogued metric. Injected (the Powertools EMF
 * adapter in the Lambdas, `recordingMetrics()` in tests), never imported: core knows no metrics library. Recording
 * never throws and never waits: a metric must not fail or slow the work it describes.
 */
export interface Metrics {
  record<N extends MetricName>(name: N, value: number, dimensions: DimensionsOf<N>): void;
}

/** Records nothing: for code paths (and tests of other concerns) where no metrics are wanted. */
export const noMetrics: Metrics = { record: () => undefined };
