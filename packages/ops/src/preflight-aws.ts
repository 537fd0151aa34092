import { execFile } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DescribeBackupCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  GetAccountSettingsCommand,
  GetFunctionConcurrencyCommand,
  type LambdaClient,
  ResourceNotFoundException,
} from '@aws-sdk/client-lambda';
import {
  GetAWSDefaultServiceQuotaCommand,
  GetServiceQuotaCommand,
  NoSuchResourceException,
  type ServiceQuotasClient,
} from '@aws-sdk/client-service-quotas';
import { TIERS } from '@toolgate/core/concurrency';
import { functionName } from '@toolgate/core/deploy/stages';
import {
  type AccountConcurrency,
  GATEWAY_SERVICE_CODE,
  GATEWAY_THROTTLE_QUOTA_CODE,
  parseSecretNames,
} from './preflight';
import type { BackupFacts } from './preflight-teardown';

/** The AWS side of preflight: reads only, no writes. */

export async function readAccountConcurrency(lambda: LambdaClient): Promise<AccountConcurrency> {
  const { AccountLimit } = await lambda.send(new GetAccountSettingsCommand({}));
  if (AccountLimit?.ConcurrentExecutions === undefined || AccountLimit.UnreservedConcurrentExecutions === undefined) {
    throw new Error('GetAccountSettings returned no concurrency limits');
  }
  return { limit: AccountLimit.ConcurrentExecutions, unreserved: AccountLimit.UnreservedConcurrentExecutions };
}

/**
 * API Gateway's throttle quota for the account in the client's Region (requests per second). An account that never
 * changed it has no applied value: Service Quotas then answers NoSuchResourceException, and the AWS default applies.
 */
export async function readGatewayThrottleQuota(quotas: ServiceQuotasClient): Promise<number> {
  const ids = { ServiceCode: GATEWAY_SERVICE_CODE, QuotaCode: GATEWAY_THROTTLE_QUOTA_CODE };
  let value: number | undefined;
  try {
    value = (await quotas.send(new GetServiceQuotaCommand(ids))).Quota?.Value;
  } catch (error) {
    if (!(error instanceof NoSuchResourceException)) throw error;
    value = (await quotas.send(new GetAWSDefaultServiceQuotaCommand(ids))).Quota?.Value;
  }
  if (value === undefined) throw new Error(`Service Quotas returned no value for ${GATEWAY_THROTTLE_QUOTA_CODE}`);
  return value;
}

/** The backup a teardown names (DescribeBackup). */
export async function readBackup(dynamo: DynamoDBClient, backupArn: string): Promise<BackupFacts> {
  const { BackupDescription } = await dynamo.send(new DescribeBackupCommand({ BackupArn: backupArn }));
  const details = BackupDescription?.BackupDetails;
  const table = BackupDescription?.SourceTableDetails?.TableName;
  if (!details?.BackupStatus || !details.BackupType || !details.BackupCreationDateTime || !table) {
    throw new Error('DescribeBackup returned no backup details');
  }
  return {
    arn: details.BackupArn ?? backupArn,
    tableName: table,
    status: details.BackupStatus,
    type: details.BackupType,
    createdAt: details.BackupCreationDateTime,
  };
}

/** What this stage's functions reserve today (functions have fixed names, see stages.ts); 0 if not deployed. */
export async function readOwnReserved(lambda: LambdaClient, stage: string): Promise<number> {
  let total = 0;
  for (const tier of TIERS) {
    try {
      const result = await lambda.send(new GetFunctionConcurrencyCommand({ FunctionName: functionName(stage, tier) }));
      total += result.ReservedConcurrentExecutions ?? 0;
    } catch (error) {
      if (!(error instanceof ResourceNotFoundException)) throw error;
    }
  }
  return total;
}

const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

/**
 * SST keeps secrets encrypted in its state bucket, so the one reader is SST's own CLI. Its output holds the
 * values: it is parsed for names in memory and never printed.
 */
export function readSecretNames(stage: string): Promise<Set<string>> {
  const sst = join(repoRoot, 'node_modules', '.bin', 'sst');
  return new Promise((resolve, reject) => {
    execFile(
      sst,
      ['secret', 'list', '--stage', stage],
      { cwd: repoRoot, env: { ...process.env, SST_TELEMETRY_DISABLED: '1', NO_COLOR: '1' }, maxBuffer: 1 << 20 },
      (error, stdout, stderr) => {
        if (!error) return resolve(parseSecretNames(stdout));
        if (`${stdout}${stderr}`.includes('No secrets found')) return resolve(new Set());
        // stderr can echo nothing secret (values only ever appear on stdout); keep the first line for the report.
        reject(new Error(stderr.trim().split('\n')[0] || error.message));
      },
    );
  });
}
