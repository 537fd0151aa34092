import {
  DEMO_PLAN,
  type FloodPlan,
  isolationProblems,
  p99Allowance,
  type ScenarioResult,
  starvationShown,
} from '@toolgate/local/demo/flood';
import { type FloodLab, HTTP_TIERS_RESERVED, startFloodLab } from '@toolgate/local/demo/flood-lab';
import { temporaryDir } from '@toolgate/local/testing/fixtures';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { contractObserver } from './support/contract';

/**
 * The small version of `pnpm demo:flood` (packages/local/src/demo/flood.ts; figures in docs/reliability.md): a
 * public catalog flood from 160 loopback addresses while one client calls `GET /me` every 15 ms, through a gateway
 * with per-tier reserved concurrency and through one where every tier shares one pool of the same total size.
 */
const PLAN: FloodPlan = {
  ...DEMO_PLAN,
  connections: 160,
  // Twice the public routes' gateway throttle (2 x 100 rps) and 20 times what the public tier can serve (10 slots
  // held 500 ms); no more, so that the flood stresses the limits rather than this machine's CPU.
  floodRatePerSecond: 400,
  maxFloodRequests: 5_000,
  authIntervalMs: 15,
  phaseMs: 1_200,
  rampMs: 400,
  timeoutMs: 10_000,
};
/** Public executions are held this long: the flood needs more than the shared pool to starve it (see the docs). */
const PUBLIC_EXECUTION_MS = 500;
/**
 * The latency bound gets this many tries. `pnpm test` runs other suites next to this one on a small machine, and
 * their CPU bursts stall whichever phase they land in (a stall of 100-500 ms was seen in either phase); that noise
 * is random, while a real loss of isolation (queueing behind the flood) is systematic and fails every attempt.
 * Only the latency bound is retried: a failed, refused or timed-out request fails the first attempt.
 */
const LATENCY_ATTEMPTS = 5;

let lab: FloodLab | undefined;
let keys: Awaited<ReturnType<typeof temporaryDir>> | undefined;
beforeAll(async () => {
  keys = await temporaryDir('toolgate-flood-');
  lab = await startFloodLab({
    keysDir: keys.path,
    publicExecutionMs: PUBLIC_EXECUTION_MS,
    sharedPool: HTTP_TIERS_RESERVED,
    onResponse: await contractObserver(),
  });
  await lab.warmUp(PLAN);
});
afterAll(async () => {
  await lab?.stop();
  await keys?.remove();
});
const started = () => {
  if (!lab) throw new Error('flood lab not started');
  return lab;
};

const summary = (result: ScenarioResult) => ({
  sent: result.baseline.sent + result.flooded.sent,
  failures: result.baseline.failures + result.flooded.failures,
  p99: [Math.round(result.baseline.p99Ms), Math.round(result.flooded.p99Ms)],
  flood: result.flood.statuses,
});

describe('flood isolation', () => {
  it('with reserved concurrency per tier: no authenticated failure, p99 within bounds, the flood refused with 429/500', async () => {
    const attempts: ScenarioResult[] = [];
    for (let attempt = 1; attempt <= LATENCY_ATTEMPTS; attempt++) {
      const result = await started().runScenario(started().isolatedUrl, `isolated-${attempt}`, PLAN);
      attempts.push(result);
      // Never retried: a refused or lost authenticated request, or a flood request left without an answer.
      expect(result.baseline.failures + result.flooded.failures, JSON.stringify(summary(result))).toBe(0);
      expect(result.flood.timeouts, 'flood requests without an answer').toBe(0);
      expect(result.flood.errors, 'flood connection errors').toBe(0);
      expect((result.flood.statuses['429'] ?? 0) + (result.flood.statuses['500'] ?? 0)).toBeGreaterThan(0);
      expect(result.flood.sent).toBeGreaterThan(result.flooded.sent);
      if (isolationProblems(result).length === 0) break;
    }
    const last = attempts.at(-1) as ScenarioResult;
    console.info('flood isolation attempts', JSON.stringify(attempts.map(summary)));
    expect(isolationProblems(last), JSON.stringify(attempts.map(summary))).toEqual([]);
    expect(last.flooded.p99Ms).toBeLessThanOrEqual(p99Allowance(last.baseline.p99Ms));
  }, 60_000);

  it('with one shared pool of the same size: the flood takes the executions and authenticated requests fail', async () => {
    const result = await started().runScenario(started().sharedUrl, 'shared', PLAN);
    console.info('flood shared pool', JSON.stringify(summary(result)));
    expect(starvationShown(result), JSON.stringify(summary(result))).toBe(true);
    // They fail the way a throttled Lambda fails behind API Gateway: a fast 500, not a hang.
    expect(Object.keys(result.flooded.failureKinds)).toEqual(['500']);
    expect(result.flood.timeouts).toBe(0);
  }, 30_000);
});
