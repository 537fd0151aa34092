import { TIER_RUNTIME } from '@toolgate/core/deploy/access';
import { numberArg, parseArgs, UsageError } from './args';
import { COST_BASELINE, DEFAULT_WORKLOAD, estimate, formatEstimate, formatProjection, projectCosts } from './cost';
import { formatMemoryTable } from './memory-size';

const USAGE = [
  'usage: pnpm cost --requests <per month> [--duration-ms 100] [--memory-mb 1024] [--reads 1] [--writes 0.5]',
  '                 [--waf] [--waf-rules 5]',
  "       pnpm cost --projection [--requests 10000000] [--growth 0.05] [--years 3]   (the ADR's 3-year table)",
  '       pnpm cost --memory [--requests 10000000] [--cold-share 0.01] [--init-ms 250] [--cpu-ms 5] [--wait-ms 15]',
  '                 (memory size vs cold start and cost; --init-ms: Init Duration at a full vCPU, e.g. from',
  "                 pnpm coldstart:report scaled by 1769 / the function's memory)",
].join('\n');

function main(argv: string[]): void {
  const args = parseArgs(argv, ['waf', 'help', 'projection', 'memory']);
  if (args.has('help')) {
    console.log(USAGE);
    return;
  }
  if (args.has('projection')) {
    const baseline = {
      requestsPerMonth: numberArg(args, 'requests', COST_BASELINE.requestsPerMonth),
      monthlyGrowth: numberArg(args, 'growth', COST_BASELINE.monthlyGrowth),
      years: Math.max(1, Math.round(numberArg(args, 'years', COST_BASELINE.years))),
    };
    console.log(formatProjection(projectCosts(baseline)));
    return;
  }
  if (args.has('memory')) {
    const workload = {
      requestsPerMonth: numberArg(args, 'requests', COST_BASELINE.requestsPerMonth),
      coldShare: numberArg(args, 'cold-share', 0.01),
      initMsAtFullVcpu: numberArg(args, 'init-ms', 250),
      cpuMsAtFullVcpu: numberArg(args, 'cpu-ms', 5),
      waitMs: numberArg(args, 'wait-ms', 15),
    };
    if (workload.coldShare < 0 || workload.coldShare > 1)
      throw new UsageError('--cold-share is a fraction from 0 to 1');
    console.log(formatMemoryTable(workload, TIER_RUNTIME.api.memoryMb));
    return;
  }
  if (!args.has('requests')) throw new UsageError('--requests is required');
  const wafRules = args.has('waf') || args.has('waf-rules') ? numberArg(args, 'waf-rules', 5) : null;
  const result = estimate({
    requestsPerMonth: numberArg(args, 'requests', 0),
    averageDurationMs: numberArg(args, 'duration-ms', DEFAULT_WORKLOAD.averageDurationMs),
    memoryMb: numberArg(args, 'memory-mb', DEFAULT_WORKLOAD.memoryMb),
    readUnitsPerRequest: numberArg(args, 'reads', DEFAULT_WORKLOAD.readUnitsPerRequest),
    writeUnitsPerRequest: numberArg(args, 'writes', DEFAULT_WORKLOAD.writeUnitsPerRequest),
    wafRules,
  });
  console.log(formatEstimate(result));
}

try {
  main(process.argv.slice(2));
} catch (error) {
  console.error(error instanceof UsageError ? `${error.message}\n${USAGE}` : error);
  process.exit(2);
}
