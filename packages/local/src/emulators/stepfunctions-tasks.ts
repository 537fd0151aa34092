import { randomUUID } from 'node:crypto';
import { systemClock } from '@toolgate/core/clock';

/**
 * The Lambda side of the local Step Functions: every `arn:aws:states:::lambda:invoke` Task (and the older direct
 * `arn:aws:lambda:` form) is answered in-process by the registered handler for its `FunctionName`, with the shapes
 * the real integration uses: the handler gets the `Payload` (through JSON, as a real invoke would), the Task gets
 * `{ Payload, StatusCode }`, and a thrown error becomes the Task error named after its `errorType` with a JSON
 * `{ errorType, errorMessage }` cause, so the ASL's Retry and Catch match as on AWS.
 */

/** A Lambda handler as the runtime invokes it. */
export type LambdaFunction = (event: unknown, context: LocalLambdaContext) => unknown;

export interface LocalLambdaContext {
  awsRequestId: string;
  functionName: string;
  invokedFunctionArn: string;
  getRemainingTimeInMillis(): number;
}

/** The functions a state machine's Tasks may invoke, by ARN; a loader is called on first use. */
export type TaskFunctions = Record<string, LambdaFunction | { load: () => Promise<LambdaFunction> }>;

/**
 * Decides, per Task invoke, whether the Lambda service refuses it before the function runs, and with which error
 * (e.g. `Lambda.TooManyRequestsException`, what the integration reports when reserved concurrency is exhausted).
 */
export type InvokeFaultRule = (functionName: string, payload: unknown) => string | null;

export interface LambdaInvokerOptions {
  functions: TaskFunctions;
  /** The function's timeout, reported by `getRemainingTimeInMillis`. */
  functionTimeoutMs?: number | undefined;
  /** The state machine role's permission to invoke a function (by ARN): null when allowed, else the denial message. */
  authorizeInvoke?: ((functionArn: string) => string | null) | undefined;
  /** The fault rule in force at the time of each invoke (tests change it while machines are registered). */
  invokeFault: () => InvokeFaultRule | null;
  logError?: ((message: string, error: unknown) => void) | undefined;
}

/** A Task's local handler, as aws-local-stepfunctions calls it (`taskResourceLocalHandlers`). */
export type TaskHandler = (input: unknown) => Promise<unknown>;

/** An error as the Lambda integration reports it: named after the function's `errorType`. */
export function taskError(errorType: string, errorMessage: string): Error {
  const error = new Error(JSON.stringify({ errorType, errorMessage }));
  error.name = errorType;
  return error;
}

function jsonRoundTrip(value: unknown): unknown {
  return value === undefined ? null : JSON.parse(JSON.stringify(value));
}

/** Invokes a registered function as the Lambda integration would: role check, fault rule, load, run. */
export function createLambdaInvoker(options: LambdaInvokerOptions) {
  const loaded = new Map<string, Promise<LambdaFunction>>();
  const resolveFunction = (name: string): { arn: string; promise: Promise<LambdaFunction> } | undefined => {
    // FunctionName may be the ARN, the ARN with a qualifier, or the bare name.
    const entry = Object.entries(options.functions).find(
      ([arn]) => arn === name || name.startsWith(`${arn}:`) || arn.endsWith(`:function:${name}`),
    );
    if (!entry) return undefined;
    const [arn, target] = entry;
    let promise = loaded.get(arn);
    if (!promise) {
      promise = typeof target === 'function' ? Promise.resolve(target) : target.load();
      loaded.set(arn, promise);
    }
    return { arn, promise };
  };
  return async (functionName: unknown, payload: unknown) => {
    const name = String(functionName);
    const resolved = resolveFunction(name);
    if (!resolved) throw taskError('Lambda.ResourceNotFoundException', `Function not found: ${name}`);
    // The role is checked on the ARN the Task names (a qualifier included), as Lambda authorizes the invoke.
    const denied = options.authorizeInvoke?.(name.startsWith('arn:') ? name : resolved.arn);
    if (denied) {
      // What Step Functions reports when Lambda refuses its role: the SDK exception wrapping Lambda's 403.
      throw taskError(
        'Lambda.AWSLambdaException',
        `${denied} (Service: AWSLambda; Status Code: 403; Error Code: AccessDeniedException; ` +
          `Request ID: ${randomUUID()}; Proxy: null)`,
      );
    }
    // Lambda authorizes the caller before it throttles: a refused role never counts against concurrency.
    const refused = options.invokeFault()?.(name, payload);
    if (refused) throw taskError(refused, 'Rate Exceeded.');
    let fn: LambdaFunction;
    try {
      fn = await resolved.promise;
    } catch (error) {
      options.logError?.(`step functions: could not load the function ${name}`, error);
      throw taskError('Lambda.Unknown', 'The function failed to initialize.');
    }
    const timeoutMs = options.functionTimeoutMs ?? 60_000;
    const started = systemClock();
    const context: LocalLambdaContext = {
      awsRequestId: randomUUID(),
      functionName: name.split(':function:')[1]?.split(':')[0] ?? name,
      invokedFunctionArn: name,
      getRemainingTimeInMillis: () => Math.max(0, timeoutMs - (systemClock() - started)),
    };
    try {
      const result = await fn(jsonRoundTrip(payload), context);
      return { ExecutedVersion: '$LATEST', Payload: jsonRoundTrip(result), StatusCode: 200 };
    } catch (error) {
      const errorType = error instanceof Error && error.name ? error.name : 'Error';
      const errorMessage = error instanceof Error ? error.message : String(error);
      throw taskError(errorType, errorMessage);
    }
  };
}

/**
 * The local handler of every Task state of a definition: Lambda Tasks through `invoke`, any other resource a
 * `States.Runtime` failure (the local runtime runs no other integration). With `retryIntervalMs`, also the retry
 * wait of every state that has a Retry.
 */
export function taskOverrides(
  definition: Record<string, unknown>,
  invoke: ReturnType<typeof createLambdaInvoker>,
  retryIntervalMs: number | undefined,
): { taskResourceLocalHandlers: Record<string, TaskHandler>; retryIntervalOverrides?: Record<string, number> } {
  const states = (definition.States ?? {}) as Record<string, Record<string, unknown>>;
  const handlers: Record<string, TaskHandler> = {};
  const retryIntervals: Record<string, number> = {};
  for (const [stateName, state] of Object.entries(states)) {
    if (state.Retry && retryIntervalMs !== undefined) retryIntervals[stateName] = retryIntervalMs;
    if (state.Type !== 'Task' || typeof state.Resource !== 'string') continue;
    if (state.Resource === 'arn:aws:states:::lambda:invoke') {
      handlers[stateName] = async (input) => {
        const { FunctionName, Payload } = (input ?? {}) as { FunctionName?: unknown; Payload?: unknown };
        return invoke(FunctionName, Payload);
      };
    } else if (state.Resource.startsWith('arn:aws:lambda:')) {
      // The older direct form: the function's result is the task result.
      const resource = state.Resource;
      handlers[stateName] = async (input) => ((await invoke(resource, input)) as { Payload: unknown }).Payload;
    } else {
      handlers[stateName] = async () => {
        throw taskError('States.Runtime', `The local runtime cannot run the Task resource ${state.Resource}.`);
      };
    }
  }
  return {
    taskResourceLocalHandlers: handlers,
    ...(retryIntervalMs !== undefined ? { retryIntervalOverrides: retryIntervals } : {}),
  };
}
