import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { ServiceQuotasClient } from '@aws-sdk/client-service-quotas';
import { systemClock } from '@toolgate/core/clock';
import { resolveStage, TEARDOWN_BACKUP_ENV } from '@toolgate/core/deploy/stages';
import { parseArgs, stageArg, stringArg, UsageError } from './args';
import { formatReport, preflight } from './preflight';
import {
  readAccountConcurrency,
  readBackup,
  readGatewayThrottleQuota,
  readOwnReserved,
  readSecretNames,
} from './preflight-aws';
import { checkTeardownBackup } from './preflight-teardown';

const USAGE = [
  'usage: pnpm preflight --stage <stage>   (uses your AWS credentials and region, like sst deploy)',
  '       pnpm preflight --stage <stage> --teardown --backup <on-demand backup ARN>   (before sst remove)',
].join('\n');

async function main(argv: string[]): Promise<number> {
  const args = parseArgs(argv, ['teardown']);
  const stage = stageArg(args);
  const settings = resolveStage(stage, process.env);
  const lambda = new LambdaClient({});
  const region = await lambda.config.region().catch(() => {
    throw new UsageError('no AWS region configured: set AWS_REGION (or a profile with a region in AWS_PROFILE)');
  });
  const asError = (error: unknown) => (error instanceof Error ? error : new Error(String(error)));

  if (args.get('teardown') === true) {
    const arn = stringArg(args, 'backup') ?? process.env[TEARDOWN_BACKUP_ENV];
    const backup = arn ? await readBackup(new DynamoDBClient({ region }), arn).catch(asError) : null;
    const finding = checkTeardownBackup(stage, settings, backup, new Date(systemClock()));
    const result = { ok: finding.level !== 'fail', findings: [finding] };
    console.log(formatReport({ stage, region }, result, 'Ready to remove.'));
    return result.ok ? 0 : 1;
  }

  const quotas = new ServiceQuotasClient({ region });
  const [account, ownReserved, secrets, gatewayQuota] = await Promise.all([
    readAccountConcurrency(lambda).catch(asError),
    readOwnReserved(lambda, stage).catch(() => 0),
    readSecretNames(stage).catch(asError),
    readGatewayThrottleQuota(quotas).catch(asError),
  ]);
  const facts = { stage, region, settings, account, ownReserved, secrets, gatewayQuota };
  const result = preflight(facts);
  console.log(formatReport(facts, result));
  return result.ok ? 0 : 1;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error instanceof UsageError ? `${error.message}\n${USAGE}` : error);
    process.exit(2);
  },
);
