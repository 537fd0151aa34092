import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { DEFAULT_CONCURRENCY_BUDGET } from '@toolgate/core/concurrency';
import { JOBS_QUEUE } from '@toolgate/core/resources';
import { scope } from '@toolgate/core/scopes';
import { startLocalRuntime } from '@toolgate/local/runtime';

/**
 * Jobs completed per second through the local runtime's SQS poller, with the dev model: `POST /jobs` through the
 * local gateway, local-aws-sqs, the poller with the deployed mapping settings (batch size, batch window, the worker's
 * reserved concurrency), the real worker handler (agent loop with tool calls on the seeded catalog), dynalite.
 *
 *   pnpm exec tsx bench/jobs-throughput.ts [--jobs 300] [--concurrency 5] [--batch-size 5] [--window-ms 1000]
 *
 * Two figures: `drain` (jobs queued while the poller is paused, then drained: the worker side alone) and
 * `end-to-end` (submitted while the poller runs: from the first POST to the last job SUCCEEDED). It measures this
 * machine's emulators, not AWS: dynalite (~1k writes/s) and local-aws-sqs dominate, the dev model costs nothing.
 */
const { values: flags } = parseArgs({
  options: {
    jobs: { type: 'string', default: '300' },
    concurrency: { type: 'string', default: String(DEFAULT_CONCURRENCY_BUDGET.worker) },
    'batch-size': { type: 'string', default: String(JOBS_QUEUE.batchSize) },
    'window-ms': { type: 'string', default: String(JOBS_QUEUE.batchWindowSeconds * 1000) },
    prompt: { type: 'string', default: 'find the cheapest gpu' },
  },
});
const jobs = Number(flags.jobs);
const settings = {
  concurrency: Number(flags.concurrency),
  batchSize: Number(flags['batch-size']),
  batchWindowMs: Number(flags['window-ms']),
};

// Limits out of the way: this measures the pipeline, not the plans. Read by the handlers when the runtime loads them.
const unlimited = { standard: 1_000_000, tools: 1_000_000, chat: 1_000_000 };
process.env.TOOLGATE_LIMITS = JSON.stringify({
  plans: {
    free: { requestsPerMinute: unlimited, chatTokensPerMonth: 1_000_000_000 },
    pro: { requestsPerMinute: unlimited, chatTokensPerMonth: 1_000_000_000 },
  },
  queuedJobs: { free: 100_000, pro: 100_000 },
});
process.env.POWERTOOLS_LOG_LEVEL ??= 'SILENT';

const keys = await mkdtemp(join(tmpdir(), 'toolgate-bench-keys-'));
const runtime = await startLocalRuntime({ port: 0, quiet: true, keysDir: keys, jobs: { ...settings, paused: true } });
const poller = runtime.jobs;
if (!poller) throw new Error('the runtime started no jobs poller');

async function submitAll(token: string, count: number, parallel = 16): Promise<void> {
  let next = 0;
  const one = async () => {
    while (next < count) {
      next += 1;
      const response = await fetch(`${runtime.url}/jobs`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ prompt: flags.prompt }),
      });
      if (response.status !== 202) throw new Error(`POST /jobs answered ${response.status}: ${await response.text()}`);
    }
  };
  await Promise.all(Array.from({ length: parallel }, one));
}

async function allFinished(token: string, count: number): Promise<{ succeeded: number; failed: number }> {
  let succeeded = 0;
  let failed = 0;
  let cursor: string | null = null;
  do {
    const response = await fetch(`${runtime.url}/jobs?limit=100${cursor ? `&cursor=${cursor}` : ''}`, {
      headers: { authorization: `Bearer ${token}` },
    });
    const page = (await response.json()) as { items: { status: string }[]; nextCursor: string | null };
    succeeded += page.items.filter((item) => item.status === 'SUCCEEDED').length;
    failed += page.items.filter((item) => item.status === 'FAILED').length;
    cursor = page.nextCursor;
  } while (cursor);
  if (succeeded + failed !== count) throw new Error(`${count - succeeded - failed} jobs not finished`);
  return { succeeded, failed };
}

async function waitDeleted(target: number): Promise<void> {
  while (poller!.stats().deleted < target) await new Promise((resolve) => setTimeout(resolve, 10));
}

const scopes = [scope('jobs'), scope('tools'), scope('profile')];
try {
  // Drain: the backlog is queued first; the clock runs from resume to the last message deleted.
  const drainToken = await runtime.issuer.mintAccessToken({ sub: 'bench-drain', scopes });
  await submitAll(drainToken, jobs);
  const drainStart = performance.now();
  poller.resume();
  await waitDeleted(jobs);
  const drainSeconds = (performance.now() - drainStart) / 1000;
  const drain = await allFinished(drainToken, jobs);

  // End to end: submissions and the worker run together.
  const e2eToken = await runtime.issuer.mintAccessToken({ sub: 'bench-e2e', scopes });
  const before = poller.stats().deleted;
  const e2eStart = performance.now();
  await submitAll(e2eToken, jobs);
  await waitDeleted(before + jobs);
  const e2eSeconds = (performance.now() - e2eStart) / 1000;
  const e2e = await allFinished(e2eToken, jobs);

  const stats = poller.stats();
  const result = {
    jobs,
    settings,
    drain: { seconds: round(drainSeconds), jobsPerSecond: round(jobs / drainSeconds), ...drain },
    endToEnd: { seconds: round(e2eSeconds), jobsPerSecond: round(jobs / e2eSeconds), ...e2e },
    invocations: stats.invocations,
    meanBatch: round((2 * jobs) / stats.invocations),
    node: process.version,
  };
  process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  process.stdout.write(
    `\njobs/s through the local poller (dev model, ${jobs} jobs, concurrency ${settings.concurrency}, batch ` +
      `${settings.batchSize}/${settings.batchWindowMs} ms): drain ${result.drain.jobsPerSecond}, end-to-end ` +
      `${result.endToEnd.jobsPerSecond}\n`,
  );
} finally {
  await runtime.stop();
  await rm(keys, { recursive: true, force: true });
}

function round(value: number): number {
  return Math.round(value * 10) / 10;
}
