import { randomUUID } from 'node:crypto';
import { systemClock } from '@toolgate/core/clock';
import { StateMachine } from 'aws-local-stepfunctions';
import {
  createLambdaInvoker,
  type InvokeFaultRule,
  type TaskFunctions,
  type TaskHandler,
  taskOverrides,
} from './stepfunctions-tasks';

/**
 * The local Step Functions' state: the registered state machines and their executions, each run under
 * aws-local-stepfunctions (the registered ASL, unchanged; JSONPath only: it silently ignores JSONata), with its
 * status, output or error and a bounded history kept for tests and the dev console. The AWS JSON protocol in front of
 * it is `stepfunctions.ts`; the Lambda Tasks are `stepfunctions-tasks.ts`.
 */

export interface StateMachineRegistration {
  name: string;
  /** The ASL definition (JSON), as deployed. */
  definition: Record<string, unknown>;
  /** The functions its Tasks may invoke, by ARN; a loader is called on first use (after the env is in place). */
  functions: TaskFunctions;
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

export interface ExecutionRegistryOptions {
  region: string;
  accountId: string;
  /** Replaces the ASL's retry waits (see `StepFunctionsEmulatorOptions.retryIntervalMs`). */
  retryIntervalMs?: number | undefined;
  logError?: ((message: string, error: unknown) => void) | undefined;
}

/** A refusal as the service answers it: `__type` and message, with its HTTP status. */
export class ServiceError extends Error {
  constructor(
    readonly type: string,
    message: string,
    readonly status = 400,
  ) {
    super(message);
  }
}

export interface RegisteredMachine {
  arn: string;
  name: string;
  definition: Record<string, unknown>;
  machine: StateMachine;
  overrides: {
    taskResourceLocalHandlers: Record<string, TaskHandler>;
    retryIntervalOverrides?: Record<string, number>;
  };
}

interface Running {
  record: ExecutionRecord;
  abort: () => void;
}

const MAX_HISTORY_EVENTS = 1000;
/** How long `stop()` waits for executions it aborted to settle (a task in flight finishes its current step). */
const STOP_GRACE_MS = 2_000;
/** State inputs and outputs kept in the history for the dev console, per event. */
const MAX_HISTORY_JSON_CHARS = 4_096;

function boundedJson(value: unknown): string {
  const text = typeof value === 'string' ? value : (JSON.stringify(value) ?? 'null');
  return text.length > MAX_HISTORY_JSON_CHARS ? `${text.slice(0, MAX_HISTORY_JSON_CHARS)}…` : text;
}

export function createExecutionRegistry(options: ExecutionRegistryOptions) {
  const machines = new Map<string, RegisteredMachine>();
  const executions = new Map<string, ExecutionRecord>();
  const running = new Map<string, Running>();
  const aborted = new Set<string>();
  const arnPrefix = `arn:aws:states:${options.region}:${options.accountId}`;
  let invokeFault: InvokeFaultRule | null = null;
  const stateMachineArn = (name: string) => `${arnPrefix}:stateMachine:${name}`;
  const executionArn = (machine: string, name: string) => `${arnPrefix}:execution:${machine}:${name}`;

  function register(registration: StateMachineRegistration): string {
    const arn = stateMachineArn(registration.name);
    const invoke = createLambdaInvoker({
      functions: registration.functions,
      functionTimeoutMs: registration.functionTimeoutMs,
      authorizeInvoke: registration.authorizeInvoke,
      invokeFault: () => invokeFault,
      logError: options.logError,
    });
    const machine = new StateMachine(registration.definition as never, {
      // ARNs in the definition are placeholders for local functions; the rest of the definition is validated.
      validationOptions: { checkArn: false, checkPaths: true },
    });
    machines.set(arn, {
      arn,
      name: registration.name,
      definition: registration.definition,
      machine,
      overrides: taskOverrides(registration.definition, invoke, options.retryIntervalMs),
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

  /**
   * Starts `name` (a fresh id when absent) on a registered machine, with `input` (JSON text) already checked.
   * AWS's rule for Standard workflows: the same name and input while the first still runs is the same call (the
   * same record, no second run); once it has stopped, or with another input, the name is taken.
   */
  function start(machine: RegisteredMachine, name: string | undefined, input: string, parsed: unknown) {
    const executionName = name ?? randomUUID();
    const arn = executionArn(machine.name, executionName);
    const existing = executions.get(arn);
    if (existing) {
      if (existing.status === 'RUNNING' && existing.input === input) return existing;
      throw new ServiceError('ExecutionAlreadyExists', `Execution Already Exists: '${arn}'`);
    }
    const record: ExecutionRecord = {
      executionArn: arn,
      stateMachineArn: machine.arn,
      name: executionName,
      input,
      status: 'RUNNING',
      startDate: new Date(systemClock()),
      history: [],
      done: Promise.resolve(),
    };
    executions.set(arn, record);
    record.done = run(machine, record, parsed).catch((error) => {
      options.logError?.(`step functions: execution ${executionName} crashed`, error);
    });
    return record;
  }

  return {
    register,
    stateMachineArn,
    machine: (arn: string) => machines.get(arn),
    start,
    /** Every execution, oldest first, of one machine or of all. */
    executions: (arn?: string) => [...executions.values()].filter((record) => !arn || record.stateMachineArn === arn),
    describe: (arn: string) => executions.get(arn),
    /** Refuses matching invokes from now on; `null` stops. */
    failInvokes(rule: InvokeFaultRule | null) {
      invokeFault = rule;
    },
    /** Aborts what still runs and waits (a bounded time) for it to settle. */
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
    },
  };
}
