import type { BundleResult } from './bundles';
import type { Verdict } from './budgets';
import type { ColdResult } from './cold';
import type { RunMeta } from './meta';
import type { ProfileSummary } from './profile';
import type { LoadResult } from './throughput';
import type { WarmResult } from './warm';

export interface BenchResults {
  meta: RunMeta & { quick: boolean; durationS: number };
  settings: Record<string, number>;
  missingTiers: string[];
  bundles: BundleResult[];
  whatIf: { change: string; files: string[]; bundles: BundleResult[] };
  cold: ColdResult[];
  profile: ProfileSummary;
  warm: WarmResult[];
  load: LoadResult[];
  verdicts: Verdict[];
}

/** results.json: figures, not raw material (metafiles and per-run samples stay in bench/.out). */
export function withoutDetail(results: BenchResults) {
  const bundle = ({ metafile: _metafile, file: _file, ...rest }: BundleResult) => rest;
  return {
    ...results,
    bundles: results.bundles.map(bundle),
    whatIf: { ...results.whatIf, bundles: results.whatIf.bundles.map(bundle) },
    cold: results.cold.map(({ samples, ...rest }) => ({
      ...rest,
      firstResponseRunsMs: samples.map((sample) => Math.round(sample.answeredMs * 10) / 10),
    })),
  };
}

export function printSummary({ bundles, verdicts }: { bundles: BundleResult[]; verdicts: Verdict[] }): void {
  const lines = bundles.map(
    (bundle) =>
      `  ${bundle.name.padEnd(10)} ${(bundle.bytes / 1024).toFixed(1).padStart(8)} KB  gzip ${(bundle.gzipBytes / 1024).toFixed(1).padStart(7)} KB`,
  );
  const checks = verdicts.map(
    (verdict) => `  ${verdict.pass ? 'PASS' : 'FAIL'}  ${verdict.name}: ${verdict.measured} (budget ${verdict.limit})`,
  );
  process.stdout.write(`bundles:\n${lines.join('\n')}\nbudgets:\n${checks.join('\n')}\n`);
}

export function renderReport(results: BenchResults): string {
  return `# placeholder\n\n\`\`\`json\n${JSON.stringify(withoutDetail(results), null, 2)}\n\`\`\`\n`;
}
