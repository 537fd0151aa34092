import type { Context } from 'aws-lambda';
import type { LambdaHandler } from './types';

export type InvokeOutcome =
  | { kind: 'returned'; value: unknown }
  | { kind: 'threw'; error: unknown }
  | { kind: 'timed-out' };

/**
 * Runs the handler and stops waiting after `timeoutMs`, as API Gateway does. The handler itself is not stopped
 * (a real Lambda keeps running until its own timeout): `settled` resolves when it is done, which is when its
 * concurrency slot frees up.
 */
export function invokeWithTimeout(
  handler: LambdaHandler,
  event: Parameters<LambdaHandler>[0],
  context: Context,
  timeoutMs: number,
): { outcome: Promise<InvokeOutcome>; settled: Promise<void> } {
  const run = Promise.resolve().then(() => handler(event, context));
  const settled = run.then(
    () => undefined,
    () => undefined,
  );
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<InvokeOutcome>((resolve) => {
    timer = setTimeout(() => resolve({ kind: 'timed-out' }), timeoutMs);
  });
  const outcome = Promise.race([
    run.then(
      (value): InvokeOutcome => ({ kind: 'returned', value }),
      (error: unknown): InvokeOutcome => ({ kind: 'threw', error }),
    ),
    timeout,
  ]).finally(() => clearTimeout(timer));
  return { outcome, settled };
}
