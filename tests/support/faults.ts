/**
 * Fault injection into the AWS SDK clients the handlers really use (module singletons in
 * `@toolgate/functions/deps/*`): a middleware in the client's stack, at the `deserialize` step, so that it runs
 * once per attempt inside the SDK's retry middleware — exactly where a real throttled, failing or timed-out
 * response would surface. The SDK then retries it with its own policy, which is what the tests count.
 */

/** What an injected fault looks like to the SDK: the errors its HTTP handler and deserializers really throw. */
export type FaultKind = 'throttle' | 'unavailable' | 'timeout';

const FAULTS: Record<FaultKind, () => Error> = {
  // DynamoDB's name; the SDK retries it as throttling (longer backoff).
  throttle: () =>
    Object.assign(new Error('The level of configured provisioned throughput for the table was exceeded.'), {
      name: 'ProvisionedThroughputExceededException',
      $fault: 'client',
      $metadata: { httpStatusCode: 400 },
    }),
  // What S3 and SQS send when they are down or shedding load.
  unavailable: () =>
    Object.assign(new Error('Service Unavailable'), {
      name: 'ServiceUnavailable',
      $fault: 'server',
      $metadata: { httpStatusCode: 503 },
    }),
  // What `@smithy/node-http-handler` throws once `requestTimeout` passes (with `throwOnRequestTimeout`), as
  // packages/core/src/data/aws-errors.test.ts shows against a hung endpoint.
  timeout: () =>
    Object.assign(new Error('a request has exceeded the configured requestTimeout'), {
      name: 'TimeoutError',
      code: 'ETIMEDOUT',
    }),
};

/** Decides, per attempt, whether a command fails and how. */
export type FaultRule = (command: string, input: Record<string, unknown>) => FaultKind | null;

interface MiddlewareStackLike {
  add(middleware: unknown, options: { step: 'deserialize'; name: string; priority?: 'high' | 'low' }): void;
  remove(name: string): boolean;
}

export interface FaultInjector {
  /** Fails matching attempts from now on (replaces the previous rule). */
  fail(rule: FaultRule): void;
  /** Stops failing; counts are kept. */
  heal(): void;
  /** Attempts that were failed, per command name. */
  readonly failed: Map<string, number>;
  /** Every attempt seen (failed or not), per command name. */
  readonly seen: Map<string, number>;
  /**
   * One entry per SDK call (`client.send`) that hit a fault: its attempts. The SDK makes at most `maxAttempts`, and
   * fewer once its retry quota (a token bucket per client, drained by retries and refilled by successes) runs dry.
   */
  readonly calls: { command: string; attempts: number }[];
  /** Every attempt with its input, and whether the service accepted it (a refused conditional write wrote nothing). */
  readonly log: { command: string; input: Record<string, unknown>; ok: boolean | null }[];
  reset(): void;
  remove(): void;
}

let sequence = 0;

export function injectFaults(client: { middlewareStack: unknown }): FaultInjector {
  const stack = client.middlewareStack as MiddlewareStackLike;
  const name = `toolgateFaults${++sequence}`;
  let rule: FaultRule | null = null;
  const failed = new Map<string, number>();
  const seen = new Map<string, number>();
  const calls: { command: string; attempts: number }[] = [];
  const log: FaultInjector['log'] = [];
  // The context object is created once per `send` and handed to every attempt: it identifies the call.
  const callOf = new WeakMap<object, { command: string; attempts: number }>();
  const bump = (counts: Map<string, number>, command: string) => counts.set(command, (counts.get(command) ?? 0) + 1);

  stack.add(
    (next: (args: unknown) => Promise<unknown>, context: { commandName?: string }) =>
      async (args: { input?: Record<string, unknown> }) => {
        const command = context.commandName ?? 'unknown';
        bump(seen, command);
        const kind = rule?.(command, args.input ?? {}) ?? null;
        if (kind) {
          bump(failed, command);
          let call = callOf.get(context);
          if (!call) {
            call = { command, attempts: 0 };
            callOf.set(context, call);
            calls.push(call);
          }
          call.attempts += 1;
          log.push({ command, input: args.input ?? {}, ok: false });
          throw FAULTS[kind]();
        }
        const entry: FaultInjector['log'][number] = { command, input: args.input ?? {}, ok: null };
        log.push(entry);
        try {
          const result = await next(args);
          entry.ok = true;
          return result;
        } catch (error) {
          entry.ok = false;
          throw error;
        }
      },
    { step: 'deserialize', name, priority: 'low' },
  );

  return {
    fail: (next) => {
      rule = next;
    },
    heal: () => {
      rule = null;
    },
    failed,
    seen,
    calls,
    log,
    reset: () => {
      failed.clear();
      seen.clear();
      calls.length = 0;
      log.length = 0;
    },
    remove: () => {
      rule = null;
      stack.remove(name);
    },
  };
}

/** A rule that fails every attempt of the named commands (all commands when none are named). */
export const always =
  (kind: FaultKind, ...commands: string[]): FaultRule =>
  (command) =>
    commands.length === 0 || commands.includes(command) ? kind : null;
