/**
 * What deployed cold starts cost, read from the lines Lambda itself writes to each function's log group: `REPORT`
 * (one per invocation; `Init Duration` only on the first of an instance) and `INIT_START` (one per instance, naming
 * the runtime version it started on). Both come in Lambda's two log formats: text, and JSON (`platform.report`,
 * `platform.initStart`), which toolgate's functions use (`logging: { format: 'json' }` in infra/functions.ts).
 * Pure: the CLI (`coldstart-cli.ts`) fetches the lines, this reads them. The local bench (`pnpm bench`) predicts;
 * this is what the deployed functions measured.
 */
import { percentile } from '@toolgate/core/percentile';

export interface ReportLine {
  requestId: string;
  durationMs: number;
  billedDurationMs: number;
  memorySizeMb: number;
  maxMemoryUsedMb: number;
  /** Only on an instance's first invocation: the cold start's init phase. */
  initDurationMs?: number;
  /** SnapStart: a restore from a snapshot instead of an init (not offered for Node.js, read so it is not miscounted). */
  restoreDurationMs?: number;
}

export interface InitStartLine {
  /** e.g. `nodejs:22.v40` or `nodejs:22.mainline.v122` */
  runtimeVersion: string;
  runtimeVersionArn?: string;
}

const TEXT_REPORT =
  /REPORT RequestId: (\S+)\s+Duration: ([\d.]+) ms\s+Billed Duration: (\d+) ms\s+Memory Size: (\d+) MB\s+Max Memory Used: (\d+) MB(?:\s+Init Duration: ([\d.]+) ms)?(?:\s+Restore Duration: ([\d.]+) ms)?/;
const TEXT_INIT_START = /INIT_START Runtime Version: (\S+)(?:\s+Runtime Version ARN: (\S+))?/;

/** A JSON platform event of `type`, or null (a function's own JSON log lines are not platform events). */
function platformRecord(message: string, type: string): Record<string, unknown> | null {
  const trimmed = message.trim();
  if (!trimmed.startsWith('{')) return null;
  try {
    const event = JSON.parse(trimmed) as { type?: unknown; record?: unknown };
    return event.type === type && typeof event.record === 'object' && event.record !== null
      ? (event.record as Record<string, unknown>)
      : null;
  } catch {
    return null;
  }
}

const finite = (value: unknown): number | undefined =>
  typeof value === 'number' && Number.isFinite(value) ? value : undefined;

export function parseReport(message: string): ReportLine | null {
  const record = platformRecord(message, 'platform.report');
  if (record) {
    const metrics = (record.metrics ?? {}) as Record<string, unknown>;
    const durationMs = finite(metrics.durationMs);
    if (durationMs === undefined) return null;
    const init = finite(metrics.initDurationMs);
    const restore = finite(metrics.restoreDurationMs);
    return {
      requestId: String(record.requestId ?? ''),
      durationMs,
      billedDurationMs: finite(metrics.billedDurationMs) ?? Number.NaN,
      memorySizeMb: finite(metrics.memorySizeMB) ?? Number.NaN,
      maxMemoryUsedMb: finite(metrics.maxMemoryUsedMB) ?? Number.NaN,
      ...(init === undefined ? {} : { initDurationMs: init }),
      ...(restore === undefined ? {} : { restoreDurationMs: restore }),
    };
  }
  const match = TEXT_REPORT.exec(message);
  if (!match) return null;
  const [, requestId, duration, billed, memory, used, init, restore] = match;
  return {
    requestId: requestId as string,
    durationMs: Number(duration),
    billedDurationMs: Number(billed),
    memorySizeMb: Number(memory),
    maxMemoryUsedMb: Number(used),
    ...(init === undefined ? {} : { initDurationMs: Number(init) }),
    ...(restore === undefined ? {} : { restoreDurationMs: Number(restore) }),
  };
}

export function parseInitStart(message: string): InitStartLine | null {
  const record = platformRecord(message, 'platform.initStart');
  if (record) {
    if (typeof record.runtimeVersion !== 'string') return null;
    return {
      runtimeVersion: record.runtimeVersion,
      ...(typeof record.runtimeVersionArn === 'string' ? { runtimeVersionArn: record.runtimeVersionArn } : {}),
    };
  }
  const match = TEXT_INIT_START.exec(message);
  if (!match) return null;
  return { runtimeVersion: match[1] as string, ...(match[2] ? { runtimeVersionArn: match[2] } : {}) };
}

/** `nodejs:22.v40` → 22; `nodejs22.x` → 22; anything else → undefined. */
export function nodeMajorOf(runtime: string): number | undefined {
  const match = /^nodejs:?(\d+)/.exec(runtime);
  return match ? Number(match[1]) : undefined;
}

export interface TierColdStarts {
  tier: string;
  functionName: string;
  invocations: number;
  /** Init Durations of the cold starts seen (on-demand inits; SnapStart restores are counted apart). */
  initMs: number[];
  restores: number;
  /** Distinct runtime versions of the INIT_START lines, most frequent first. */
  runtimeVersions: string[];
  /** Why nothing was read (no log group, no access), when that is the case. */
  error?: string;
}

/** One tier's figures from its log lines (any mix of text and JSON). */
export function summarizeTier(tier: string, functionName: string, messages: Iterable<string>): TierColdStarts {
  const initMs: number[] = [];
  const versions = new Map<string, number>();
  let invocations = 0;
  let restores = 0;
  for (const message of messages) {
    const report = parseReport(message);
    if (report) {
      invocations++;
      if (report.initDurationMs !== undefined) initMs.push(report.initDurationMs);
      if (report.restoreDurationMs !== undefined) restores++;
      continue;
    }
    const init = parseInitStart(message);
    if (init) versions.set(init.runtimeVersion, (versions.get(init.runtimeVersion) ?? 0) + 1);
  }
  const runtimeVersions = [...versions].sort((a, b) => b[1] - a[1]).map(([version]) => version);
  return { tier, functionName, invocations, initMs, restores, runtimeVersions };
}

export interface ColdStartReportInput {
  stage: string;
  region: string;
  hours: number;
  /** The runtime infra deploys (`RUNTIME` in packages/functions/build.ts, e.g. `nodejs22.x`). */
  deployedRuntime: string;
  tiers: readonly TierColdStarts[];
}

const ms = (value: number) => `${value.toFixed(0)} ms`;

export function formatColdStartReport(input: ColdStartReportInput): string {
  const lines = [
    `Cold starts of stage ${input.stage} (${input.region}), last ${input.hours} h, from the functions' REPORT lines:`,
    '',
    `${'tier'.padEnd(9)}${'cold starts'.padStart(12)}${'invocations'.padStart(13)}${'init median'.padStart(13)}${'init p90'.padStart(10)}  runtime version (INIT_START)`,
  ];
  const expectedMajor = nodeMajorOf(input.deployedRuntime);
  const mismatches: string[] = [];
  for (const tier of input.tiers) {
    if (tier.error) {
      lines.push(`${tier.tier.padEnd(9)}  ${tier.error}`);
      continue;
    }
    const cold = tier.initMs.length;
    const versions = tier.runtimeVersions.length > 0 ? tier.runtimeVersions.join(', ') : '-';
    lines.push(
      `${tier.tier.padEnd(9)}${String(cold).padStart(12)}${String(tier.invocations).padStart(13)}` +
        `${(cold > 0 ? ms(percentile(tier.initMs, 50)) : '-').padStart(13)}${(cold > 0 ? ms(percentile(tier.initMs, 90)) : '-').padStart(10)}  ${versions}` +
        (tier.restores > 0 ? `  (${tier.restores} SnapStart restores, not counted)` : ''),
    );
    for (const version of tier.runtimeVersions) {
      if (expectedMajor !== undefined && nodeMajorOf(version) !== expectedMajor)
        mismatches.push(`${tier.tier}: ${version}`);
    }
  }
  const seen = [...new Set(input.tiers.flatMap((tier) => tier.runtimeVersions))];
  lines.push(
    '',
    seen.length === 0
      ? `Runtime: no INIT_START line in the window (no cold start); infra deploys ${input.deployedRuntime}.`
      : mismatches.length > 0
        ? `Runtime: MISMATCH, infra deploys ${input.deployedRuntime} but instances started on ${mismatches.join('; ')}.`
        : `Runtime: ${seen.join(', ')}, as infra deploys (${input.deployedRuntime}). The bench runs the Node releases pinned in bench/src/nodes.ts (PINNED_NODE_VERSIONS); compare them with the runtime's Node version (process.version, or the runtime version's release notes).`,
  );
  return lines.join('\n');
}
