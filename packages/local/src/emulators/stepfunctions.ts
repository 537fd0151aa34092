import { systemClock } from '@toolgate/core/clock';
import '../polyfills';
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { StateMachine } from 'aws-local-stepfunctions';
import { closeServer, httpUrl, listen } from './http-server';
import { type Emulator, LOOPBACK } from './types';

/**
 * A Step Functions endpoint for the AWS SDK (`AWS_ENDPOINT_URL_SFN`), speaking the service's AWS JSON 1.0 protocol
 * (`X-Amz-Target: AWSStepFunctions.<Operation>`): StartExecution, DescribeExecution, ListExecutions. Executions run
 * the registered ASL, unchanged, under aws-local-stepfunctions (JSONPath only: it silently ignores JSONata). Every
 * `arn:aws:states:::lambda:invoke` Task is answered in-process by the registered Lambda handler for its
 * `FunctionName`, with the shapes the real integration uses: the handler gets the `Payload` (through JSON, as a
 * real invoke would), the Task gets `{ Payload, StatusCode }`, and a thrown error becomes the Task error named after
 * its `errorType` with a JSON `{ errorType, errorMessage }` cause, so the ASL's Retry and Catch match as on AWS.
 */

/** A Lambda handler as the runtime invokes it. */
export type LambdaFunction = (event: unknown, context: LocalLambdaContext) => unknown;

export interface LocalLambdaContext {
  awsRequestId: string;
  functionName: string;
  invokedFunctionArn: string;
  getRemainingTimeInMillis(): number;
}

export interface StateMachineRegistration {
  name: string;
  /** The ASL definition (JSON), as deployed. */
  definition: Record<string, unknown>;
  /** The functions its Tasks may invoke, by ARN; a loader is called on first use (after the env is in place). */
  functions: Record<string, LambdaFunction | { load: () => Promise<LambdaFunction> }>;
  /** The function's timeout, reported by `getRemainingTimeInMillis`. */
  functionTimeoutMs?: number;
  /**
   * The state machine role's permission to invoke a function (by ARN): null when allowed, else the denial message.
   * Absent, every registered function may be invoked.
   */
  authorizeInvoke?: (functionArn: string) => string | null;
}

export type ExecutionStatus = 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'TIMED_OUT' | 'ABORTED';

export interface ExecutionEvent {
  type: string;
  state?: string;
  error?: string;
  /** The error's cause, as JSON text (bounded). */
  cause?: string;
  /** The state's input (entered) or output (exited), as JSON text (bounded, `…` when cut). */
  input?: string;
  output?: string;
  /** The retry attempt (StateRetried), 1-based. */
  attempt?: number;
  timestamp: number;
}

export interface ExecutionRecord {
  executionArn: string;
  stateMachineArn: string;
  name: string;
  input: string;
  status: ExecutionStatus;
  startDate: Date;
  stopDate?: Date;
  output?: string;
  error?: string;
  cause?: string;
  /** What happened, in order (state entered/exited/failed/retried/caught), for tests and the dev console. */
  history: ExecutionEvent[];
  /** Settles when the execution stops, whatever its outcome. */
  done: Promise<void>;
}

export interface StepFunctionsEmulatorOptions {
  region: string;
  accountId: string;
  /**
   * Wait this long before every retry instead of the ASL's IntervalSeconds/BackoffRate/jitter (the Retry rules
   * themselves, which errors and how many attempts, still apply). Tests set a few ms; `pnpm dev` keeps the real waits.
   */
  retryIntervalMs?: number;
  logError?: (message: string, error: unknown) => void;
}

/**
 * Decides, per Task invoke, whether the Lambda service refuses it before the function runs, and with which error
 * (e.g. `Lambda.TooManyRequestsException`, what the integration reports when reserved concurrency is exhausted).
 */
export type InvokeFaultRule = (functionName: string, payload: unknown) => string | null;

export interface StepFunctionsEmulator extends Emulator {
  register(machine: StateMachineRegistration): string;
  /** Refuses matching invokes from now on (tests); `null` stops. The function never runs for a refused invoke. */
  failInvokes(rule: InvokeFaultRule | null): void;
  stateMachineArn(name: string): string;
  executions(stateMachineArn?: string): ExecutionRecord[];
  describe(executionArn: string): ExecutionRecord | undefined;
}

const MAX_REQUEST_BYTES = 1024 * 1024;
const MAX_INPUT_BYTES = 256 * 1024;
const MAX_HISTORY_EVENTS = 1000;
/** How long `stop()` waits for executions it aborted to settle (a task in flight finishes its current step). */
const STOP_GRACE_MS = 2_000;
/** State inputs and outputs kept in the history for the dev console, per event. */
const MAX_HISTORY_JSON_CHARS = 4_096;

function boundedJson(value: unknown): string {
  const text = typeof value === 'string' ? value : (JSON.stringify(value) ?? 'null');
  return text.length > MAX_HISTORY_JSON_CHARS ? `${text.slice(0, MAX_HISTORY_JSON_CHARS)}…` : text;
}

class ServiceError extends Error {
  constructor(
    readonly type: string,
    message: string,
    readonly status = 400,
  ) {
    super(message);
  }
}

interface RegisteredMachine {
  arn: string;
  name: string;
  definition: Record<string, unknown>;
  machine: StateMachine;
  overrides: {
    taskResourceLocalHandlers: Record<string, (input: unknown) => Promise<unknown>>;
    retryIntervalOverrides?: Record<string, number>;
  };
}

interface Running {
  record: ExecutionRecord;
  abort: () => void;
}

/** An error as the Lambda integration reports it: named after the function's `errorType`. */
function taskError(errorType: string, errorMessage: string): Error {
  const error = new Error(JSON.stringify({ errorType, errorMessage }));
  error.name = errorType;
  return error;
}

function jsonRoundTrip(value: unknown): unknown {
  return value === undefined ? null : JSON.parse(JSON.stringify(value));
}

const epochSeconds = (date: Date) => date.getTime() / 1000;

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_REQUEST_BYTES) {
        reject(new ServiceError('ValidationException', 'The request is too large.'));
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function send(res: ServerResponse, status: number, body: unknown, errorType?: string): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/x-amz-json-1.0',
    'content-length': Buffer.byteLength(text),
    'x-amzn-requestid': randomUUID(),
    ...(errorType ? { 'x-amzn-errortype': errorType } : {}),
  });
  res.end(text);
}

export async function startStepFunctions(options: StepFunctionsEmulatorOptions): Promise<StepFunctionsEmulator> {
  const machines = new Map<string, RegisteredMachine>();
  const executions = new Map<string, ExecutionRecord>();
  const running = new Map<string, Running>();
  const aborted = new Set<string>();
  const arnPrefix = `arn:aws:states:${options.region}:${options.accountId}`;
  let invokeFault: InvokeFaultRule | null = null;
  const stateMachineArn = (name: string) => `${arnPrefix}:stateMachine:${name}`;
  const executionArn = (machine: string, name: string) => `${arnPrefix}:execution:${machine}:${name}`;

  function lambdaInvoker(registration: StateMachineRegistration) {
    const loaded = new Map<string, Promise<LambdaFunction>>();
    const resolveFunction = (name: string): { arn: string; promise: Promise<LambdaFunction> } | undefined => {
      // FunctionName may be the ARN, the ARN with a qualifier, or the bare name.
      const entry = Object.entries(registration.functions).find(
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
      const denied = registration.authorizeInvoke?.(name.startsWith('arn:') ? name : resolved.arn);
      if (denied) {
        // What Step Functions reports when Lambda refuses its role: the SDK exception wrapping Lambda's 403.
        throw taskError(
          'Lambda.AWSLambdaException',
          `${denied} (Service: AWSLambda; Status Code: 403; Error Code: AccessDeniedException; ` +
            `Request ID: ${randomUUID()}; Proxy: null)`,
        );
      }
      // Lambda authorizes the caller before it throttles: a refused role never counts against concurrency.
      const refused = invokeFault?.(name, payload);
      if (refused) throw taskError(refused, 'Rate Exceeded.');
      const pending = resolved.promise;
      let fn: LambdaFunction;
      try {
        fn = await pending;
      } catch (error) {
        options.logError?.(`step functions: could not load the function ${name}`, error);
        throw taskError('Lambda.Unknown', 'The function failed to initialize.');
      }
      const timeoutMs = registration.functionTimeoutMs ?? 60_000;
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

  function register(registration: StateMachineRegistration): string {
    const arn = stateMachineArn(registration.name);
    const invoke = lambdaInvoker(registration);
    const states = (registration.definition.States ?? {}) as Record<string, Record<string, unknown>>;
    const handlers: Record<string, (input: unknown) => Promise<unknown>> = {};
    const retryIntervals: Record<string, number> = {};
    for (const [stateName, state] of Object.entries(states)) {
      if (state.Retry && options.retryIntervalMs !== undefined) retryIntervals[stateName] = options.retryIntervalMs;
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
    const machine = new StateMachine(registration.definition as never, {
      // ARNs in the definition are placeholders for local functions; the rest of the definition is validated.
      validationOptions: { checkArn: false, checkPaths: true },
    });
    machines.set(arn, {
      arn,
      name: registration.name,
      definition: registration.definition,
      machine,
      overrides: {
        taskResourceLocalHandlers: handlers,
        ...(options.retryIntervalMs !== undefined ? { retryIntervalOverrides: retryIntervals } : {}),
      },
    });
    return arn;
  }

  function run(machine: RegisteredMachine, record: ExecutionRecord, input: unknown): Promise<void> {
    const execution = machine.machine.run(input as never, {
      overrides: machine.overrides as never,
      noThrowOnAbort: true,
      context: {
        Execution: { Id: record.executionArn, Name: record.name, StartTime: record.startDate.toISOString() },
        StateMachine: { Id: machine.arn, Name: machine.name },
      },
    });
    running.set(record.executionArn, { record, abort: execution.abort });
    const history = (async () => {
      for await (const event of execution.eventLogs) {
        if (record.history.length >= MAX_HISTORY_EVENTS) continue;
        const { type, timestamp } = event;
        const state = 'state' in event ? event.state : undefined;
        const error = 'Error' in event ? String(event.Error) : undefined;
        record.history.push({
          type,
          timestamp,
          ...(state ? { state: state.name } : {}),
          ...(state && type === 'StateEntered' ? { input: boundedJson(state.input) } : {}),
          ...(state && type === 'StateExited' && state.output !== undefined
            ? { output: boundedJson(state.output) }
            : {}),
          ...(error ? { error } : {}),
          ...('Cause' in event && event.Cause !== undefined ? { cause: boundedJson(event.Cause) } : {}),
          ...('retry' in event ? { attempt: event.retry.attempt } : {}),
        });
      }
    })();
    const outcome = execution.result.then(
      (output) => {
        if (aborted.has(record.executionArn)) {
          record.status = 'ABORTED';
        } else {
          record.status = 'SUCCEEDED';
          record.output = JSON.stringify(output);
        }
      },
      (error: unknown) => {
        const name = error instanceof Error ? error.name : '';
        if (name === 'ExecutionTimeoutError') {
          record.status = 'TIMED_OUT';
          record.error = 'States.Timeout';
          return;
        }
        const cause = (error as { cause?: unknown })?.cause;
        record.status = 'FAILED';
        record.error = cause instanceof Error ? cause.name : name || 'Error';
        record.cause = cause instanceof Error ? cause.message : String(error);
      },
    );
    return Promise.all([outcome, history.catch(() => undefined)]).then(() => {
      record.stopDate = new Date(systemClock());
      running.delete(record.executionArn);
    });
  }

  function startExecution(body: Record<string, unknown>) {
    const arn = String(body.stateMachineArn ?? '');
    const machine = machines.get(arn);
    if (!machine) {
      if (!/^arn:aws:states:[^:]+:\d{12}:stateMachine:[^:]+$/.test(arn))
        throw new ServiceError('InvalidArn', `Invalid Arn: '${arn}'`);
      throw new ServiceError('StateMachineDoesNotExist', `State Machine Does Not Exist: '${arn}'`);
    }
    const name = body.name === undefined ? randomUUID() : String(body.name);
    if (!/^[A-Za-z0-9_-]{1,80}$/.test(name)) throw new ServiceError('InvalidName', `Invalid Name: '${name}'`);
    const input = body.input === undefined ? '{}' : String(body.input);
    if (Buffer.byteLength(input) > MAX_INPUT_BYTES) {
      throw new ServiceError('ValidationException', 'The input is larger than 256 KB.');
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(input);
    } catch {
      throw new ServiceError('InvalidExecutionInput', 'Invalid State Machine Execution Input: the input is not JSON.');
    }
    const arnOfExecution = executionArn(machine.name, name);
    const existing = executions.get(arnOfExecution);
    if (existing) {
      // AWS's rule for Standard workflows: the same name and input while the first still runs is the same call
      // (same answer, no second run); once it has stopped, or with another input, the name is taken.
      if (existing.status === 'RUNNING' && existing.input === input) {
        return { executionArn: existing.executionArn, startDate: epochSeconds(existing.startDate) };
      }
      throw new ServiceError('ExecutionAlreadyExists', `Execution Already Exists: '${arnOfExecution}'`);
    }
    const record: ExecutionRecord = {
      executionArn: arnOfExecution,
      stateMachineArn: machine.arn,
      name,
      input,
      status: 'RUNNING',
      startDate: new Date(systemClock()),
      history: [],
      done: Promise.resolve(),
    };
    executions.set(arnOfExecution, record);
    record.done = run(machine, record, parsed).catch((error) => {
      options.logError?.(`step functions: execution ${name} crashed`, error);
    });
    return { executionArn: arnOfExecution, startDate: epochSeconds(record.startDate) };
  }

  /** The fields DescribeExecution and ListExecutions both answer with. */
  function summaryOf(record: ExecutionRecord) {
    return {
      executionArn: record.executionArn,
      stateMachineArn: record.stateMachineArn,
      name: record.name,
      status: record.status,
      startDate: epochSeconds(record.startDate),
      ...(record.stopDate ? { stopDate: epochSeconds(record.stopDate) } : {}),
    };
  }

  function describeExecution(body: Record<string, unknown>) {
    const arn = String(body.executionArn ?? '');
    const record = executions.get(arn);
    if (!record) throw new ServiceError('ExecutionDoesNotExist', `Execution Does Not Exist: '${arn}'`);
    return {
      ...summaryOf(record),
      input: record.input,
      inputDetails: { included: true },
      ...(record.output !== undefined ? { output: record.output, outputDetails: { included: true } } : {}),
      ...(record.error !== undefined ? { error: record.error } : {}),
      ...(record.cause !== undefined ? { cause: record.cause } : {}),
    };
  }

  function listExecutions(body: Record<string, unknown>) {
    const arn = String(body.stateMachineArn ?? '');
    if (!machines.has(arn))
      throw new ServiceError('StateMachineDoesNotExist', `State Machine Does Not Exist: '${arn}'`);
    const filter = body.statusFilter === undefined ? undefined : String(body.statusFilter);
    return {
      executions: [...executions.values()]
        .filter((record) => record.stateMachineArn === arn && (!filter || record.status === filter))
        .reverse()
        .map(summaryOf),
    };
  }

  const operations: Record<string, (body: Record<string, unknown>) => unknown> = {
    StartExecution: startExecution,
    DescribeExecution: describeExecution,
    ListExecutions: listExecutions,
  };

  const server = createServer(async (req, res) => {
    try {
      const target = String(req.headers['x-amz-target'] ?? '');
      const [service, operationName] = target.split('.');
      const operation = service === 'AWSStepFunctions' ? operations[operationName ?? ''] : undefined;
      if (req.method !== 'POST' || !operation) {
        throw new ServiceError(
          'UnknownOperationException',
          `The local runtime does not support ${target || req.method}.`,
        );
      }
      const text = await readBody(req);
      let body: unknown;
      try {
        body = text ? JSON.parse(text) : {};
      } catch {
        throw new ServiceError('SerializationException', 'The request body is not JSON.');
      }
      send(res, 200, operation((body ?? {}) as Record<string, unknown>));
    } catch (error) {
      if (error instanceof ServiceError) {
        send(res, error.status, { __type: error.type, message: error.message }, error.type);
        return;
      }
      options.logError?.('step functions: request failed', error);
      send(
        res,
        500,
        { __type: 'InternalFailure', message: 'The local Step Functions endpoint failed.' },
        'InternalFailure',
      );
    }
  });
  const { port } = await listen(server, 0, LOOPBACK);

  return {
    endpoint: httpUrl(LOOPBACK, port),
    register,
    failInvokes: (rule) => {
      invokeFault = rule;
    },
    stateMachineArn,
    executions: (arn) => [...executions.values()].filter((record) => !arn || record.stateMachineArn === arn),
    describe: (arn) => executions.get(arn),
    async stop() {
      const inFlight = [...running.values()];
      for (const { record, abort } of inFlight) {
        aborted.add(record.executionArn);
        abort();
      }
      await Promise.race([
        Promise.all(inFlight.map(({ record }) => record.done)),
        new Promise((resolve) => setTimeout(resolve, STOP_GRACE_MS).unref()),
      ]);
      await closeServer(server);
    },
  };
}
