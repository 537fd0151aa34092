import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { DEFAULT_CONCURRENCY_BUDGET } from '@toolgate/core/concurrency';
import { DEFAULT_PUBLIC_LIMITS, type LimitsConfig } from '@toolgate/core/limits/plans';
import { HTTP_TIERS } from '@toolgate/core/manifest';
import { scope } from '@toolgate/core/scopes';
import { type LocalGateway, startLocalGateway } from '../gateway/server';
import type { LambdaHandler, ObservedResponse } from '../gateway/types';
import { loadTierHandlers } from '../handlers';
import { type LocalRuntime, startLocalRuntime } from '../runtime';
import { type FloodPlan, measureAuthenticated, runScenario, type ScenarioResult, startFlood } from './flood';

/**
 * The flood experiment's lab (`flood.ts` is the experiment): one local runtime with a slowed public tier, and a second
 * local gateway in front of the same handlers whose tiers share one pool.
 */

/**
 * Holds every invocation of `load()`'s handler for `ms` on average: a stand-in for what a public execution costs in
 * AWS under a flood (new instances' cold starts, DynamoDB reads), which a local in-memory read does not have. Each
 * hold is drawn uniformly from ±50 % of `ms`, as real durations vary: identical holds would keep the flood's
 * executions in lockstep (all slots freed and refilled at the same instant, every 500 ms), and the local emulators,
 * which every tier shares in this one process, would then see the public tier's DynamoDB reads in bursts.
 */
export function withExecutionTime(
  load: () => Promise<LambdaHandler>,
  ms: number,
  random: () => number = Math.random,
): LambdaHandler {
  let handler: Promise<LambdaHandler> | undefined;
  return async (event, context) => {
    handler ??= load();
    const real = await handler;
    const [result] = await Promise.all([real(event, context), sleep(ms * (0.5 + random()))]);
    return result;
  };
}

/** Per-plan limits far above the client's rate: the experiment is about concurrency, not about plan limits. */
export const FLOOD_LIMITS: LimitsConfig = {
  plans: {
    free: { requestsPerMinute: { standard: 1_000_000, tools: 1_000_000, chat: 1_000_000 }, chatTokensPerMonth: 1 },
    pro: { requestsPerMinute: { standard: 1_000_000, tools: 1_000_000, chat: 1_000_000 }, chatTokensPerMonth: 1 },
  },
  public: DEFAULT_PUBLIC_LIMITS,
};

/** The HTTP tiers' reserved concurrency, summed: the shared pool gets the same total, just not partitioned. */
export const HTTP_TIERS_RESERVED = HTTP_TIERS.reduce((sum, tier) => sum + DEFAULT_CONCURRENCY_BUDGET[tier], 0);

export interface FloodLabOptions {
  keysDir: string;
  /** Simulated execution time of every public-tier invocation. */
  publicExecutionMs: number;
  /** Size of the one pool every tier shares behind the second gateway. */
  sharedPool: number;
  /** Sees every answer of both gateways (tests: the OpenAPI contract check). */
  onResponse?: (response: ObservedResponse) => void;
}

export interface FloodLab {
  runtime: LocalRuntime;
  /** The runtime's own gateway: per-tier reserved concurrency (the default). */
  isolatedUrl: string;
  /** A second local gateway in front of the same Lambdas, every tier drawing from one pool of `sharedPool`. */
  sharedUrl: string;
  /** The reserved concurrency behind `isolatedUrl`. */
  budget: typeof DEFAULT_CONCURRENCY_BUDGET;
  /**
   * A short flood and a few authenticated calls through both gateways, then a pause until every held execution
   * ended: the first scenario then measures warm code (JIT, connection pools, the flood worker), like the others.
   */
  warmUp(plan: FloodPlan): Promise<void>;
  /** Runs one scenario against one of the two gateways, as a new user (so per-user state never carries over). */
  runScenario(url: string, label: string, plan: FloodPlan): Promise<ScenarioResult>;
  stop(): Promise<void>;
}

/**
 * Starts one local runtime (one per process: the handlers bind to its emulators) and a second gateway on the same
 * handlers. Sets `TOOLGATE_LIMITS` for the handlers it imports and restores it on stop.
 */
export async function startFloodLab(options: FloodLabOptions): Promise<FloodLab> {
  const previousLimits = process.env.TOOLGATE_LIMITS;
  process.env.TOOLGATE_LIMITS = JSON.stringify(FLOOD_LIMITS);
  const slowPublic = withExecutionTime(async () => {
    const module = (await import('@toolgate/functions/handlers/public')) as { handler: LambdaHandler };
    return module.handler;
  }, options.publicExecutionMs);

  let runtime: LocalRuntime | undefined;
  let shared: LocalGateway | undefined;
  const stop = async () => {
    await shared?.stop();
    await runtime?.stop();
    if (previousLimits === undefined) delete process.env.TOOLGATE_LIMITS;
    else process.env.TOOLGATE_LIMITS = previousLimits;
  };
  try {
    runtime = await startLocalRuntime({
      port: 0,
      quiet: true,
      keysDir: options.keysDir,
      handlers: { public: slowPublic },
      ...(options.onResponse ? { gateway: { onResponse: options.onResponse } } : {}),
    });
    const { issuer } = runtime;
    shared = await startLocalGateway({
      handlers: await loadTierHandlers({ public: slowPublic }),
      authorizer: { issuer: issuer.issuer, audience: issuer.clientIds, jwks: issuer.jwks },
      sharedPool: options.sharedPool,
      cors: null,
      region: runtime.region,
      ...(options.onResponse ? { onResponse: options.onResponse } : {}),
    });
    const started = runtime;
    const sharedUrl = shared.url;
    const newToken = (label: string) =>
      started.issuer.mintAccessToken({ sub: `flood-${label}-${randomUUID()}`, scopes: [scope('profile')] });
    return {
      runtime: started,
      isolatedUrl: started.url,
      sharedUrl,
      budget: DEFAULT_CONCURRENCY_BUDGET,
      warmUp: async (plan) => {
        const token = await newToken('warm-up');
        const short = { ...plan, maxFloodRequests: Math.min(plan.maxFloodRequests, 500) };
        for (const url of [started.url, sharedUrl]) {
          await Promise.all([startFlood(url, short, 300), measureAuthenticated(url, token, plan, 300)]);
        }
        await sleep(options.publicExecutionMs + 100);
      },
      runScenario: async (url, label, plan) => runScenario(url, await newToken(label), plan),
      stop,
    };
  } catch (error) {
    await stop().catch(() => undefined);
    throw error;
  }
}
