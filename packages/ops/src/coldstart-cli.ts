import { CloudWatchLogsClient, FilterLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { systemClock } from '@toolgate/core/clock';
import { TIERS } from '@toolgate/core/concurrency';
import { INIT_CHECK_MESSAGE } from '@toolgate/core/deploy/lambda-node';
import { functionName, resolveStage } from '@toolgate/core/deploy/stages';
import { RUNTIME } from '../../functions/build';
import { numberArg, parseArgs, requireRegion, stageArg, UsageError } from './args';
import { formatColdStartReport, summarizeTier, type TierColdStarts } from './coldstart';

const USAGE = [
  'usage: pnpm coldstart:report --stage <stage> [--hours 24]   (uses your AWS credentials and region, like sst deploy)',
  "  reads each tier function's REPORT and INIT_START lines from CloudWatch Logs (/aws/lambda/toolgate-<stage>-<tier>),",
  '  and the line each instance logs at init, to check it runs with the compile cache and the exec wrapper',
].join('\n');

/** Enough for medians of a busy day without paging a log group for minutes. */
const MAX_EVENTS_PER_TIER = 20_000;
/**
 * Lambda's own lines in either log format: text (`REPORT RequestId`, `INIT_START`) and JSON (`platform.report`,
 * `platform.initStart`). `?` ORs the terms; the parser then keeps only the lines it recognises.
 */
const FILTER = `?"REPORT RequestId" ?"INIT_START" ?"platform.report" ?"platform.initStart" ?"${INIT_CHECK_MESSAGE}"`;

async function readMessages(logs: CloudWatchLogsClient, logGroupName: string, startTime: number): Promise<string[]> {
  const messages: string[] = [];
  let nextToken: string | undefined;
  do {
    const page = await logs.send(
      new FilterLogEventsCommand({ logGroupName, startTime, filterPattern: FILTER, nextToken, limit: 10_000 }),
    );
    for (const event of page.events ?? []) if (event.message) messages.push(event.message);
    nextToken = page.nextToken;
  } while (nextToken && messages.length < MAX_EVENTS_PER_TIER);
  return messages;
}

/** Errors that mean this machine cannot talk to AWS at all, as opposed to one tier's log group being absent. */
function isUnreachable(error: unknown): boolean {
  const name = (error as { name?: string } | null)?.name ?? '';
  return /Credentials|CredentialsProviderError|ExpiredToken|UnrecognizedClient|InvalidSignature|TimeoutError|ENOTFOUND|EAI_AGAIN|ECONNREFUSED/.test(
    `${name} ${(error as Error | null)?.message ?? ''}`,
  );
}

async function main(argv: string[]): Promise<number> {
  const args = parseArgs(argv);
  const stage = stageArg(args);
  const hours = numberArg(args, 'hours', 24);
  if (hours <= 0) throw new UsageError('--hours must be positive');
  const logs = new CloudWatchLogsClient({});
  const region = await requireRegion(logs);
  const startTime = systemClock() - hours * 3600_000;

  const tiers: TierColdStarts[] = [];
  for (const tier of TIERS) {
    const name = functionName(stage, tier);
    try {
      tiers.push(summarizeTier(tier, name, await readMessages(logs, `/aws/lambda/${name}`, startTime)));
    } catch (error) {
      if (isUnreachable(error)) {
        throw new UsageError(
          `cannot reach AWS in ${region}: ${(error as Error).message}. Set credentials (AWS_PROFILE or keys) as for sst deploy.`,
        );
      }
      const message =
        (error as { name?: string }).name === 'ResourceNotFoundException'
          ? `no log group /aws/lambda/${name} (not deployed, or never invoked)`
          : `could not read /aws/lambda/${name}: ${(error as Error).message}`;
      tiers.push({
        tier,
        functionName: name,
        invocations: 0,
        initMs: [],
        restores: 0,
        runtimeVersions: [],
        initChecks: [],
        error: message,
      });
    }
  }
  const { runtimeVersionArn: _pin, ...levers } = resolveStage(stage).coldStart;
  console.log(formatColdStartReport({ stage, region, hours, deployedRuntime: RUNTIME, levers, tiers }));
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error instanceof UsageError ? `${error.message}\n${USAGE}` : error);
    process.exit(2);
  },
);
