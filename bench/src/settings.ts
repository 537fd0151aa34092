/** The bench's command line and the settings it picks: how many runs, how long each load, what a partial run is. */
import { parseArgs } from 'node:util';
import type { LimitsConfig } from '@toolgate/core/limits/plans';
import { DEV_CHUNK_DELAY_MS } from '@toolgate/local/cli/dev';

export const { values: flags } = parseArgs({
  options: {
    /** Exit non-zero when a budget is missed. */
    check: { type: 'boolean', default: false },
    /** Build and size the tiers only (deterministic, ~10 s): what CI runs with --check. Writes no results. */
    'bundles-only': { type: 'boolean', default: false },
    /** Fewer runs and shorter loads, written to bench/.out/ only: for working on the bench itself. */
    quick: { type: 'boolean', default: false },
    /**
     * Run the measured processes on another Node binary (the harness itself stays on this one). The Lambda-like
     * cold rows always run on the pinned Node 22 and 24 (`nodes.ts`); this sets the plain, flagless row.
     */
    node: { type: 'string' },
    /** Cold processes per subject and runtime (overrides the default of --quick or a full run). */
    runs: { type: 'string' },
    /**
     * The Lambda-like rows reach DynamoDB over plain http instead of through the loopback TLS proxy (which makes
     * their first call pay a TLS handshake, as deployed).
     */
    'dynamodb-http': { type: 'boolean', default: false },
    /** Cold starts only (no profile, warm or throughput), written to bench/.out/ only: for working on the harness. */
    'cold-only': { type: 'boolean', default: false },
    /** The streamed chat against the buffered one only (issue 18), written to bench/.out/ only. */
    'stream-only': { type: 'boolean', default: false },
  },
  strict: true,
});

export const SETTINGS = flags.quick
  ? {
      coldRuns: 5,
      warmIterations: 2_000,
      warmup: 300,
      warmRepeats: 1,
      loadSeconds: 3,
      loadRounds: 1,
      warmLoadSeconds: 1,
      floodSeconds: 2,
    }
  : {
      coldRuns: 25,
      warmIterations: 10_000,
      warmup: 1_000,
      warmRepeats: 5,
      loadSeconds: 10,
      loadRounds: 2,
      warmLoadSeconds: 2,
      floodSeconds: 8,
    };
if (flags.runs !== undefined) {
  const runs = Number(flags.runs);
  if (!Number.isInteger(runs) || runs < 1) throw new Error(`--runs must be a positive whole number, not ${flags.runs}`);
  SETTINGS.coldRuns = runs;
}
/** A partial run must never overwrite the published results. */
export const SCRATCH = flags.quick || flags['cold-only'] || flags['stream-only'] || flags.runs !== undefined;
/** Streamed-versus-buffered chats per run. */
export const STREAM_RUNS = flags.quick ? 10 : 40;
/**
 * The dev model's time per word in the stream phase: what `pnpm dev` uses, so the figures are the ones a developer
 * sees. A buffered chat spends it too (the model generates at that pace either way).
 */
export const STREAM_CHUNK_DELAY_MS = DEV_CHUNK_DELAY_MS;
export const CONNECTIONS = 10;

/**
 * Limits for the timing runs. One client IP and one user send every request here, so the public tier's per-IP
 * bucket and the per-plan minute limits would answer 429 within a second. The counters still run (the api tier's
 * DynamoDB write per request is part of what is measured); only their limits are out of reach.
 */
export const UNTHROTTLED: LimitsConfig = {
  plans: {
    free: { requestsPerMinute: { standard: 1e7, tools: 1e7, chat: 1e7 }, chatTokensPerMonth: 1e9 },
    pro: { requestsPerMinute: { standard: 1e7, tools: 1e7, chat: 1e7 }, chatTokensPerMonth: 1e9 },
  },
  public: { burst: 1e7, refillPerSecond: 1e7, maxTrackedClients: 10_000 },
};

/** The exit code of a run: 1 when `--check` is set and a budget is missed. */
export const exitCodeOf = (verdicts: readonly { pass: boolean }[]): number =>
  flags.check && verdicts.some((verdict) => !verdict.pass) ? 1 : 0;
