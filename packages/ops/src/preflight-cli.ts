import { LambdaClient } from '@aws-sdk/client-lambda';
import { ServiceQuotasClient } from '@aws-sdk/client-service-quotas';
import { resolveStage } from '@toolgate/core/deploy/stages';
import { parseArgs, stageArg, UsageError } from './args';
import { formatReport, preflight } from './preflight';
import { readAccountConcurrency, readGatewayThrottleQuota, readOwnReserved, readSecretNames } from './preflight-aws';

const USAGE = 'usage: pnpm preflight --stage <stage>   (uses your AWS credentials and region, like sst deploy)';

async function main(argv: string[]): Promise<number> {
  const stage = stageArg(parseArgs(argv));
  const settings = resolveStage(stage, process.env);
  const lambda = new LambdaClient({});
  const region = await lambda.config.region().catch(() => {
    throw new UsageError('no AWS region configured: set AWS_REGION (or a profile with a region in AWS_PROFILE)');
  });
  const asError = (error: unknown) => (error instanceof Error ? error : new Error(String(error)));

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
