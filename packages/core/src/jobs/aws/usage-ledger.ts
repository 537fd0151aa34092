import { type DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { TokenUsage } from '../../agent/provider';
import { conditionFields, itemAbsent, written } from '../../data/conditional';
import { nowSeconds } from '../../data/dynamo';
import { keys } from '../../data/keys';

/**
 * One usage record per finished job: pk = USER#<sub>, sk = USAGE#JOB#<jobId>, written with a condition on its
 * absence. However often the job's message is delivered, only the first write creates it, and only the request
 * that created it charges the tokens to the monthly quota: a job's tokens are recorded exactly once.
 */
export const jobUsageKey = keys.jobUsage;

/** Usage records are kept a little over a year (for invoices and disputes), then expire. */
const RETENTION_S = 400 * 24 * 3600;

export interface JobUsageEntry {
  usage: TokenUsage;
  model: string;
  at: number;
}

export interface JobUsageLedger {
  /** True when this call created the record; false when it existed already. */
  record(sub: string, jobId: string, entry: JobUsageEntry): Promise<boolean>;
}

export function createJobUsageLedger(doc: DynamoDBDocumentClient, tableName: string): JobUsageLedger {
  return {
    async record(sub, jobId, { usage, model, at }) {
      return written(() =>
        doc.send(
          new PutCommand({
            TableName: tableName,
            Item: {
              ...jobUsageKey(sub, jobId),
              jobId,
              inputTokens: usage.inputTokens,
              outputTokens: usage.outputTokens,
              model,
              month: new Date(at).toISOString().slice(0, 7),
              recordedAt: new Date(at).toISOString(),
              expiresAt: nowSeconds(at) + RETENTION_S,
            },
            ...conditionFields(itemAbsent),
          }),
        ),
      );
    },
  };
}
