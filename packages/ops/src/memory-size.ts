import { PRICES, tieredCost } from './cost';

/**
 * Memory size against cold start and cost (`pnpm cost --memory`). Lambda gives a function CPU in proportion to its
 * memory: 1,769 MB is one full vCPU (AWS, "Memory and computing power"), more memory adds vCPUs up to 6 at 10,240 MB.
 * A Node cold start is CPU-bound and single-threaded (parse, compile, evaluate, the first request's CPU work), so
 * below 1,769 MB it stretches by `1769 / memory`, and above it gains nothing from the extra vCPUs. The init phase is
 * billed like the invocation (managed runtimes, since August 2025), so a CPU-bound init costs the same GB-seconds at
 * any size up to 1,769 MB: a larger function starts faster for the same money, and costs more only for the time it
 * waits (on DynamoDB, a model) rather than computes.
 */
export const FULL_VCPU_MB = 1769;

export interface MemoryWorkload {
  requestsPerMonth: number;
  /** Share of invocations that are cold starts (e.g. 0.01). */
  coldShare: number;
  /** Init duration with a full vCPU (`pnpm coldstart:report` deployed, or the bench's cold start), ms. */
  initMsAtFullVcpu: number;
  /** CPU time of a warm invocation with a full vCPU, ms. */
  cpuMsAtFullVcpu: number;
  /** Time a warm invocation waits on I/O (not stretched by a smaller CPU share), ms. */
  waitMs: number;
}

export interface MemoryRow {
  memoryMb: number;
  /** vCPU share a single thread gets (at most 1). */
  cpuShare: number;
  initMs: number;
  warmMs: number;
  /** Lambda duration cost per month (init + invocations), USD, arm64. */
  monthlyUsd: number;
}

export const MEMORY_SIZES = [256, 512, 1024, 1536, FULL_VCPU_MB, 2048, 3008] as const;

export function memoryRow(memoryMb: number, workload: MemoryWorkload): MemoryRow {
  const cpuShare = Math.min(1, memoryMb / FULL_VCPU_MB);
  const initMs = workload.initMsAtFullVcpu / cpuShare;
  const warmMs = workload.cpuMsAtFullVcpu / cpuShare + workload.waitMs;
  const gb = memoryMb / 1024;
  const seconds = (workload.requestsPerMonth * (warmMs + workload.coldShare * initMs)) / 1000;
  const monthlyUsd =
    tieredCost(gb * seconds, PRICES.lambda.arm64PerMillionGbSeconds) +
    (workload.requestsPerMonth / 1e6) * PRICES.lambda.requestsPerMillion;
  return { memoryMb, cpuShare, initMs, warmMs, monthlyUsd };
}

export function formatMemoryTable(workload: MemoryWorkload, current: number): string {
  const rows = MEMORY_SIZES.map((memoryMb) => memoryRow(memoryMb, workload));
  const cheapest = Math.min(...rows.map((row) => row.monthlyUsd));
  return [
    `Memory size vs cold start and cost: ${workload.requestsPerMonth.toLocaleString('en-US')} requests/month, ` +
      `${(workload.coldShare * 100).toFixed(1)}% cold, init ${workload.initMsAtFullVcpu} ms and ${workload.cpuMsAtFullVcpu} ms CPU ` +
      `per request at a full vCPU, ${workload.waitMs} ms waiting (arm64, ${PRICES.region}, prices of ${PRICES.asOf}).`,
    '',
    `${'memory'.padStart(8)}${'vCPU'.padStart(7)}${'init'.padStart(9)}${'warm'.padStart(9)}${'Lambda $/month'.padStart(16)}`,
    ...rows.map(
      (row) =>
        `${`${row.memoryMb} MB`.padStart(8)}${row.cpuShare.toFixed(2).padStart(7)}${`${row.initMs.toFixed(0)} ms`.padStart(9)}` +
        `${`${row.warmMs.toFixed(0)} ms`.padStart(9)}${`$${row.monthlyUsd.toFixed(2)}`.padStart(16)}` +
        `${row.memoryMb === current ? '  <- deployed' : ''}${row.monthlyUsd === cheapest ? '  (cheapest)' : ''}`,
    ),
    '',
    `CPU-bound work costs the same GB-seconds at any size up to ${FULL_VCPU_MB} MB (one vCPU) and runs faster there;`,
    'waiting does not speed up, so its cost grows with memory: the more a request waits, the more a smaller size saves.',
  ].join('\n');
}
