import { writeSync } from 'node:fs';
import type { Summary } from '../stats';

/**
 * What the parent hands a child (JSON in `BENCH_CHILD`) and how the child answers: one JSON document on file
 * descriptor 3. The child's stdout, where the tiers write their logs, goes to /dev/null: a Lambda's log pipe is
 * drained by the runtime, and a pipe to the parent would instead measure how fast the parent reads it.
 */
export const CHILD_ENV = 'BENCH_CHILD';
export const RESULT_FD = 3;

export interface ColdInput {
  bundle: string;
  event: unknown;
  /** Load `node:http` before the bundle, as Lambda's runtime client does before it imports the handler. */
  runtimeClient?: boolean;
}

export interface ColdOutput {
  /** Milliseconds since the process's time origin (its start), when the child's own code began. */
  bootMs: number;
  /** ... when the bundle's module evaluation (init) finished. */
  loadedMs: number;
  /** ... when the handler resolved its first response. */
  answeredMs: number;
  statusCode: number;
  /** Peak resident set size of the process, KiB. */
  maxRssKb: number;
}

export interface WarmInput {
  bundle: string;
  /** Invocations run first and thrown away (JIT warm-up, JWKS fetch, first SDK call). */
  warmup: number;
  iterations: number;
  event: unknown;
}

export interface WarmOutput {
  /** Microseconds per invocation (summarised in the child: the result must stay small on its pipe). */
  us: Summary;
  statusCodes: Record<string, number>;
}

export function report(output: unknown): void {
  writeSync(RESULT_FD, JSON.stringify(output));
}

export function input<T>(): T {
  const raw = process.env[CHILD_ENV];
  if (!raw) throw new Error(`${CHILD_ENV} is not set: this script is started by bench/src/run.ts`);
  return JSON.parse(raw) as T;
}

/** A Lambda context with what Hono and Powertools read. */
export const lambdaContext = {
  awsRequestId: 'bench',
  functionName: 'toolgate-bench',
  functionVersion: '$LATEST',
  invokedFunctionArn: 'arn:aws:lambda:us-east-1:000000000000:function:toolgate-bench',
  memoryLimitInMB: '1024',
  logGroupName: '/aws/lambda/toolgate-bench',
  logStreamName: 'bench',
  callbackWaitsForEmptyEventLoop: false,
  getRemainingTimeInMillis: () => 30_000,
};

export type Handler = (event: unknown, context: unknown) => Promise<{ statusCode?: number }>;
