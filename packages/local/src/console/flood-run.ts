import type { Clock } from '@toolgate/core/clock';
import { scope } from '@toolgate/core/scopes';
import type { TokenMinter } from '../issuer';

/**
 * The console's flood button: the flood demo's two clients (packages/local/src/demo/flood.ts) pointed at the running
 * gateway for a few seconds. The public catalog is flooded above its route throttle from many loopback addresses
 * while one authenticated client calls `GET /me` slowly enough to stay inside the free plan's per-minute limit:
 * the public traffic is refused (429) and the authenticated traffic keeps getting 200s. The Tiers chart shows it live.
 */

export interface FloodRun {
  startedAt: number;
  seconds: number;
  status: 'running' | 'done' | 'failed';
  result?: {
    public: { sent: number; statuses: Record<string, number> };
    authenticated: { sent: number; failures: number; failureKinds: Record<string, number>; p99Ms: number };
  };
  error?: string;
}

export const CONSOLE_FLOOD = {
  seconds: 5,
  connections: 32,
  /**
   * Above a public route's 100 rps throttle, well below the stage's 500 rps; modest, because the flood, the gateway
   * and every handler share this machine's CPU (docs/reliability.md).
   */
  floodRatePerSecond: 300,
  authIntervalMs: 250,
};

export function createFloodRunner(deps: { url: () => string; issuer: TokenMinter; clock: Clock }) {
  let current: FloodRun | null = null;
  return {
    current: () => current,
    /** Starts a run; null when one is already running. */
    start(): FloodRun | null {
      if (current?.status === 'running') return null;
      const run: FloodRun = { startedAt: deps.clock(), seconds: CONSOLE_FLOOD.seconds, status: 'running' };
      current = run;
      void (async () => {
        // Imported on first use: the demo's worker thread and clients are not part of every start.
        const demo = await import('../demo/flood');
        const durationMs = CONSOLE_FLOOD.seconds * 1000;
        const token = await deps.issuer.mintAccessToken({ sub: 'console-flood-demo', scopes: [scope('profile')] });
        const plan = {
          ...demo.DEMO_PLAN,
          // One cheap public route: each route has its own throttle bucket (100 rps, burst 200), so the whole flood
          // must hit one route to exceed it; and it should load the gateway's limits, not the DynamoDB emulator.
          floodPaths: ['/health'],
          connections: CONSOLE_FLOOD.connections,
          floodRatePerSecond: CONSOLE_FLOOD.floodRatePerSecond,
          maxFloodRequests: CONSOLE_FLOOD.floodRatePerSecond * CONSOLE_FLOOD.seconds,
          authIntervalMs: CONSOLE_FLOOD.authIntervalMs,
        };
        const [flood, auth] = await Promise.all([
          demo.startFlood(deps.url(), plan, durationMs),
          demo.measureAuthenticated(deps.url(), token, plan, durationMs),
        ]);
        run.result = {
          public: { sent: flood.sent, statuses: flood.statuses },
          authenticated: {
            sent: auth.sent,
            failures: auth.failures,
            failureKinds: auth.failureKinds,
            p99Ms: Math.round(auth.p99Ms * 10) / 10,
          },
        };
        run.status = 'done';
      })().catch((error: unknown) => {
        run.status = 'failed';
        run.error = error instanceof Error ? error.message : String(error);
      });
      return run;
    },
  };
}
