import type { Verdict } from '../budgets';
import type { BundleResult } from '../bundles';
import type { ColdResult, ColdRun } from '../cold';
import type { FloodResult } from '../flood';
import type { RunMeta } from '../meta';
import type { ProfileSummary } from '../profile';
import type { StreamResult } from '../stream';
import type { LoadResult } from '../throughput';
import type { WarmResult } from '../warm';

/** Everything one `pnpm bench` run measured: what RESULTS.md, the charts and results.json are made from. */
export interface BenchResults {
  meta: RunMeta & { quick: boolean; durationS: number; phaseLoad: Record<string, number> };
  settings: Record<string, number>;
  missingTiers: string[];
  bundles: BundleResult[];
  /** The plain host Node row (no Lambda flags), which the profile and the earlier results describe. */
  cold: ColdResult[];
  /** Every runtime's cold starts, the Lambda-like ones first (those are budgeted). */
  coldRuns: ColdRun[];
  profile: ProfileSummary;
  warm: WarmResult[];
  load: LoadResult[];
  /** Streamed `POST /chat` against the buffered one (issue 18); absent in results written before it. */
  stream?: StreamResult;
  flood?: FloodResult;
  verdicts: Verdict[];
}

/** results.json: figures, not raw material (metafiles and per-run samples stay in bench/.out). */
export function withoutDetail(results: BenchResults) {
  const bundle = ({ metafile: _metafile, file: _file, ...rest }: BundleResult) => rest;
  return {
    ...results,
    bundles: results.bundles.map(bundle),
    cold: results.cold.map(withoutSamples),
    coldRuns: results.coldRuns.map((run) => ({ ...run, results: run.results.map(withoutSamples) })),
  };
}

function withoutSamples({ samples, ...rest }: ColdResult) {
  return { ...rest, firstResponseRunsMs: samples.map((sample) => Math.round(sample.answeredMs * 10) / 10) };
}
