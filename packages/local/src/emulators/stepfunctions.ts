import '../polyfills';
import { randomUUID } from 'node:crypto';
import { createServer, type ServerResponse } from 'node:http';
import { RequestTooLargeError, readBody } from './http-body';
import { closeServer, httpUrl, listen } from './http-server';
import {
  createExecutionRegistry,
  type ExecutionRecord,
  ServiceError,
  type StateMachineRegistration,
} from './stepfunctions-executions';
import type { InvokeFaultRule } from './stepfunctions-tasks';
import { type Emulator, LOOPBACK } from './types';

/**
 * A Step Functions endpoint for the AWS SDK (`AWS_ENDPOINT_URL_SFN`), speaking the service's AWS JSON 1.0 protocol
 * (`X-Amz-Target: AWSStepFunctions.<Operation>`): StartExecution, DescribeExecution, ListExecutions, with the
 * service's checks and error types. This file is the protocol; the machines and executions are
 * `stepfunctions-executions.ts`, and the Lambda Tasks they run are `stepfunctions-tasks.ts`.
 */

export type {
  ExecutionEvent,
  ExecutionRecord,
  ExecutionStatus,
  StateMachineRegistration,
} from './stepfunctions-executions';
export type { InvokeFaultRule, LambdaFunction, LocalLambdaContext } from './stepfunctions-tasks';

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

const epochSeconds = (date: Date) => date.getTime() / 1000;

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

export async function startStepFunctions(options: StepFunctionsEmulatorOptions): Promise<StepFunctionsEmulator> {
  const registry = createExecutionRegistry(options);

  function startExecution(body: Record<string, unknown>) {
    const arn = String(body.stateMachineArn ?? '');
    const machine = registry.machine(arn);
    if (!machine) {
      if (!/^arn:aws:states:[^:]+:\d{12}:stateMachine:[^:]+$/.test(arn))
        throw new ServiceError('InvalidArn', `Invalid Arn: '${arn}'`);
      throw new ServiceError('StateMachineDoesNotExist', `State Machine Does Not Exist: '${arn}'`);
    }
    const name = body.name === undefined ? undefined : String(body.name);
    if (name !== undefined && !/^[A-Za-z0-9_-]{1,80}$/.test(name)) {
      throw new ServiceError('InvalidName', `Invalid Name: '${name}'`);
    }
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
    const record = registry.start(machine, name, input, parsed);
    return { executionArn: record.executionArn, startDate: epochSeconds(record.startDate) };
  }

  function describeExecution(body: Record<string, unknown>) {
    const arn = String(body.executionArn ?? '');
    const record = registry.describe(arn);
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
    if (!registry.machine(arn)) {
      throw new ServiceError('StateMachineDoesNotExist', `State Machine Does Not Exist: '${arn}'`);
    }
    const filter = body.statusFilter === undefined ? undefined : String(body.statusFilter);
    return {
      executions: registry
        .executions(arn)
        .filter((record) => !filter || record.status === filter)
        .reverse()
        .map(summaryOf),
    };
  }

  const operations: Record<string, (body: Record<string, unknown>) => unknown> = {
    StartExecution: startExecution,
    DescribeExecution: describeExecution,
    ListExecutions: listExecutions,
  };

  async function readJson(req: Parameters<typeof readBody>[0]): Promise<Record<string, unknown>> {
    let text: string;
    try {
      text = (await readBody(req, MAX_REQUEST_BYTES)).toString('utf8');
    } catch (error) {
      if (error instanceof RequestTooLargeError)
        throw new ServiceError('ValidationException', 'The request is too large.');
      throw error;
    }
    try {
      return ((text ? JSON.parse(text) : {}) ?? {}) as Record<string, unknown>;
    } catch {
      throw new ServiceError('SerializationException', 'The request body is not JSON.');
    }
  }

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
      send(res, 200, operation(await readJson(req)));
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
    register: registry.register,
    failInvokes: registry.failInvokes,
    stateMachineArn: registry.stateMachineArn,
    executions: registry.executions,
    describe: registry.describe,
    async stop() {
      await registry.stop();
      await closeServer(server);
    },
  };
}
