import { Logger } from '@aws-lambda-powertools/logger';
import type { ConstructorOptions, LogAttributes } from '@aws-lambda-powertools/logger/types';
import { INIT_CHECK_MESSAGE } from '@toolgate/core/deploy/lambda-node';
import type { Context } from 'aws-lambda';
import { initCheck } from './init-check';

/** The parts of a Lambda `Context` a log line carries (the local runtime's contexts may lack some). */
export type InvocationContext = Partial<
  Pick<Context, 'awsRequestId' | 'functionName' | 'functionVersion' | 'invokedFunctionArn' | 'memoryLimitInMB'>
>;

/**
 * A tier's Powertools logger. Each invocation (an HTTP request, an SQS batch, a workflow task) logs through its own
 * child, `forInvocation()`, which holds that invocation's keys: the local runtime serves overlapping requests in one
 * process (and Lambda Managed Instances do too), so keys set on a shared logger would label one request's lines with
 * another's ids. A child costs a Logger and a Console (~50 µs), well inside the warm budget (bench/RESULTS.md).
 */
export class TierLogger extends Logger {
  protected override createLogger(options?: ConstructorOptions): Logger {
    return new TierLogger(options);
  }

  /**
   * A child for one invocation: the Lambda context (cold start, function request id, memory, version) via
   * `addContext`, and `keys`, e.g. `correlation_id` — the gateway request id of the request that started the work.
   */
  forInvocation(context: InvocationContext | undefined, keys: LogAttributes = {}): Logger {
    const child = this.createChild() as TierLogger;
    if (context?.awsRequestId) {
      // A child is a new Logger, so its own cold start flag is always set: cold is this instance's first invocation.
      child.coldStart = this.getColdStart();
      child.addContext(context as Context);
      if (context.functionVersion) child.appendKeys({ function_version: context.functionVersion });
    }
    if (Object.keys(keys).length > 0) child.appendKeys(keys);
    return child;
  }
}

/**
 * A logger for a module that serves several tiers (e.g. deps/jobs: the api tier submits, the worker settles): the
 * same service and JSON format as the tiers' loggers, labelled by component instead of tier.
 */
export function createComponentLogger(component: string): Logger {
  return new Logger({ serviceName: 'toolgate', persistentKeys: { component } });
}

/** The tiers whose init line this process has written. */
const initLogged = new Set<string>();

export function createTierLogger(tier: string): TierLogger {
  const logger = new TierLogger({ serviceName: 'toolgate', persistentKeys: { tier } });
  // Once per instance and tier: how this instance started, for `pnpm coldstart:report`, which counts instances by
  // these lines. A tier may build a second logger later (the api tier's lazy routes build the whole tier's app on
  // their first request): that one writes no second line.
  const check = initLogged.has(tier) ? undefined : initCheck();
  if (check) {
    initLogged.add(tier);
    logger.info(INIT_CHECK_MESSAGE, { init: check });
  }
  return logger;
}
