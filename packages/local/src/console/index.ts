import type { RequestListener } from 'node:http';
import { getRequestListener } from '@hono/node-server';
import { HTTP_TIERS } from '@toolgate/core/manifest';
import type { TierConcurrency } from '../gateway/server';
import type { AccessLogEntry } from '../gateway/types';
import { consoleAssets } from './assets';
import { tapJsonLines } from './log-tap';
import { ConsoleRecorder } from './recorder';
import { CONSOLE_PATH, type ConsoleDeps, createConsoleApp } from './server';

export { CONSOLE_PATH } from './server';

/** The dev console as the runtime wires it: a listener for the gateway's sidecar, and what the gateway reports. */
export interface LocalConsole {
  path: string;
  listener: RequestListener;
  /** The gateway's access log entries. */
  record(entry: AccessLogEntry): void;
  /** Bundles the page's script in the background, shortly after the runtime is ready (start never waits). */
  prewarm(): void;
  stop(): Promise<void>;
}

const SAMPLE_EVERY_MS = 1_000;
/** The page's script is bundled this long after start: not competing with the first requests for the CPU. */
const PREWARM_AFTER_MS = 1_500;

export function startLocalConsole(
  deps: Omit<ConsoleDeps, 'recorder' | 'concurrency'> & { concurrency: () => TierConcurrency | null },
): LocalConsole {
  const recorder = new ConsoleRecorder(deps.clock);
  const idle = Object.fromEntries(HTTP_TIERS.map((tier) => [tier, { inUse: 0, reserved: 0 }])) as TierConcurrency;
  const concurrency = () => deps.concurrency() ?? idle;
  const assets = consoleAssets();
  const app = createConsoleApp({ ...deps, recorder, concurrency }, assets);
  // The handlers' JSON log lines, indexed by request id: what CloudWatch Logs Insights would find for it.
  const untap = tapJsonLines((line) => recorder.logLine(line));
  const sampler = setInterval(() => recorder.sample(concurrency()), SAMPLE_EVERY_MS);
  sampler.unref();
  let prewarmTimer: ReturnType<typeof setTimeout> | undefined;
  let stopped = false;
  return {
    path: CONSOLE_PATH,
    listener: getRequestListener(app.fetch),
    record: (entry) => recorder.record(entry),
    prewarm: () => {
      prewarmTimer = setTimeout(() => {
        assets.script().catch((error: unknown) => {
          if (stopped) return;
          process.stderr.write(
            `console: bundling the page failed: ${error instanceof Error ? error.message : error}\n`,
          );
        });
      }, PREWARM_AFTER_MS);
      prewarmTimer.unref();
    },
    // esbuild's service process is shared with hot reload (reload/bundle.ts) and ends with this process.
    stop: async () => {
      stopped = true;
      clearTimeout(prewarmTimer);
      clearInterval(sampler);
      untap();
    },
  };
}
