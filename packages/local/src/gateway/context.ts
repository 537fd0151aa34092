import { randomBytes, randomUUID } from 'node:crypto';
import { systemClock } from '@toolgate/core/clock';
import type { HttpTier } from '@toolgate/core/manifest';
import type { Context } from 'aws-lambda';

export interface ContextInput {
  tier: HttpTier;
  region: string;
  accountId: string;
  /** Epoch milliseconds after which the gateway stops waiting. */
  deadline: number;
}

export const functionNameOf = (tier: HttpTier) => `toolgate-${tier}`;

/** The Lambda `Context` for one invocation of a tier's function. */
export function lambdaContext({ tier, region, accountId, deadline }: ContextInput): Context {
  return functionContext(functionNameOf(tier), region, accountId, deadline);
}

/** The Lambda `Context` of one invocation of any function (HTTP tiers, the worker, the steps). */
export function functionContext(functionName: string, region: string, accountId: string, deadline: number): Context {
  const day = new Date(systemClock()).toISOString().slice(0, 10).replaceAll('-', '/');
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:${region}:${accountId}:function:${functionName}`,
    memoryLimitInMB: '1024',
    awsRequestId: randomUUID(),
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: `${day}/[$LATEST]${randomBytes(16).toString('hex')}`,
    getRemainingTimeInMillis: () => Math.max(0, deadline - systemClock()),
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}
