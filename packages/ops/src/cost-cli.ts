import { numberArg, parseArgs, UsageError } from './args';
import { COST_BASELINE, DEFAULT_WORKLOAD, estimate, formatEstimate, formatProjection, projectCosts } from './cost';

const USAGE = [
  'usage: pnpm cost --requests <per month> [--duration-ms 100] [--memory-mb 1024] [--reads 1] [--writes 0.5]',
  '                 [--waf] [--waf-rules 5]',
  "       pnpm cost --projection [--requests 10000000] [--growth 0.05] [--years 3]   (the ADR's 3-year table)",
].join('\n');

function main(argv: string[]): void {
  const args = parseArgs(argv, ['waf', 'help', 'projection']);
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
