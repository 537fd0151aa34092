/**
 * What deployed cold starts cost, read from the lines Lambda itself writes to each function's log group: `REPORT`
 * (one per invocation; `Init Duration` only on the first of an instance) and `INIT_START` (one per instance, naming
 * the runtime version it started on). Both come in Lambda's two log formats: text, and JSON (`platform.report`,
 * `platform.initStart`), which toolgate's functions use (`logging: { format: 'json' }` in infra/functions.ts).
 * Pure: the CLI (`coldstart-cli.ts`) fetches the lines, this reads them. The local bench (`pnpm bench`) predicts;
 * this is what the deployed functions measured.
 */

import { type ColdStartLevers, INIT_CHECK_MESSAGE, type InitCheck } from '@toolgate/core/deploy/lambda-node';
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

/**
 * The line each instance logs at init when it starts with a compile cache (`packages/functions/src/init-check.ts`,
 * through the tier's Powertools logger: one JSON object per line, as Lambda's JSON log format keeps it).
 */
export function parseInitCheck(message: string): InitCheck | null {
  const trimmed = message.trim();
  if (!trimmed.startsWith('{') || !trimmed.includes(INIT_CHECK_MESSAGE)) return null;
  try {
    const line = JSON.parse(trimmed) as { message?: unknown; init?: Partial<InitCheck> };
    const init = line.init;
    if (line.message !== INIT_CHECK_MESSAGE || !init || typeof init.node !== 'string') return null;
    if (init.compileCache !== 'match' && init.compileCache !== 'mismatch' && init.compileCache !== 'unreadable') {
      return null;
    }
    return {
      node: init.node,
      arch: String(init.arch ?? ''),
      execArgv: Array.isArray(init.execArgv) ? init.execArgv.map(String) : [],
      compileCache: init.compileCache,
      compileCacheBuiltFor: Array.isArray(init.compileCacheBuiltFor) ? init.compileCacheBuiltFor.map(String) : [],
    };
  } catch {
    return null;
  }
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
  /** The init lines of instances that started with a compile cache (none when the stage has it off). */
  initChecks: InitCheck[];
  /** Why nothing was read (no log group, no access), when that is the case. */
  error?: string;
}

/** One tier's figures from its log lines (any mix of text and JSON). */
export function summarizeTier(tier: string, functionName: string, messages: Iterable<string>): TierColdStarts {
  const initMs: number[] = [];
  const versions = new Map<string, number>();
  const initChecks: InitCheck[] = [];
  let invocations = 0;
  let restores = 0;
  for (const message of messages) {
    const check = parseInitCheck(message);
    if (check) {
      initChecks.push(check);
      continue;
    }
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
  return { tier, functionName, invocations, initMs, restores, runtimeVersions, initChecks };
}

/**
 * One line per tier: do its instances run with the levers the stage deploys? The compile cache is in use only where
 * the init line says `match` (the cache has a folder for exactly this Node release, architecture and flags); the
 * wrapper ran where `--expose-gc` is absent from the flags.
 */
export function leverCheck(tier: TierColdStarts, levers: ColdStartLevers): string {
  const checks = tier.initChecks;
  if (!levers.compileCache && !levers.execWrapper) return `${tier.tier}: levers off for this stage`;
  if (checks.length === 0) {
    return tier.initMs.length === 0
      ? `${tier.tier}: no cold start in the window`
      : `${tier.tier}: NOT VERIFIED, ${tier.initMs.length} cold starts but no "${INIT_CHECK_MESSAGE}" line (no compile cache enabled in these instances: NODE_COMPILE_CACHE unset, a build from before the check, or Node found no cache for its release and flags and could not create one in the read-only package)`;
  }
  const parts: string[] = [];
  const nodes = [...new Set(checks.map((check) => `${check.node} ${check.arch}`))].join(', ');
  if (levers.compileCache) {
    const matched = checks.filter((check) => check.compileCache === 'match').length;
    const builtFor = [...new Set(checks.flatMap((check) => check.compileCacheBuiltFor))].join(', ') || 'nothing';
    parts.push(
      matched === checks.length
        ? `compile cache used by ${matched}/${checks.length} instances`
        : `compile cache MISMATCH in ${checks.length - matched}/${checks.length} instances (built for ${builtFor}): rebuild for the runtime's release, and pin it (coldStart.runtimeVersionArn)`,
    );
  }
  if (levers.execWrapper) {
    const wrapped = checks.filter((check) => !check.execArgv.includes('--expose-gc')).length;
    parts.push(
      wrapped === checks.length
        ? `exec wrapper ran in ${wrapped}/${checks.length}`
        : `exec wrapper NOT applied in ${checks.length - wrapped}/${checks.length} (--expose-gc present: AWS_LAMBDA_EXEC_WRAPPER missing or not executable)`,
    );
  }
  return `${tier.tier}: ${parts.join('; ')} (Node ${nodes})`;
}

export interface ColdStartReportInput {
  stage: string;
  region: string;
  hours: number;
  /** The runtime infra deploys (`RUNTIME` in packages/functions/build.ts, e.g. `nodejs24.x`). */
  deployedRuntime: string;
  /** The stage's cold-start levers (`coldStart` in packages/core/src/deploy/stages.ts). */
  levers?: ColdStartLevers;
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
        : `Runtime: ${seen.join(', ')}, as infra deploys (${input.deployedRuntime}). The compile cache and the bench use the Node releases pinned in LAMBDA_NODE_VERSIONS (packages/core/src/deploy/lambda-node.ts); the lines below give the release each instance ran.`,
  );
  if (input.levers) {
    lines.push('', "Cold-start levers (from each instance's init line):");
    for (const tier of input.tiers) if (!tier.error) lines.push(`  ${leverCheck(tier, input.levers)}`);
  }
  return lines.join('\n');
}
