import { numberArg, parseArgs, UsageError } from './args';
import { DEFAULT_WORKLOAD, estimate, formatEstimate } from './cost';

const USAGE = [
  'usage: pnpm cost --requests <per month> [--duration-ms 100] [--memory-mb 1024] [--reads 1] [--writes 0.5]',
  '                 [--waf] [--waf-rules 5]',
].join('\n');

function main(argv: string[]): void {
  const args = parseArgs(argv, ['waf', 'help']);
  if (args.has('help')) {
    console.log(USAGE);
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
