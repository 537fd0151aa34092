import { createSfnClient, createSfnIngestionStarter } from '@toolgate/core/workflows/aws/starter';
import { ingestionDefinition } from '@toolgate/core/workflows/ingestion';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LOCAL_CREDENTIALS } from '../local-env';
import { type StepFunctionsEmulator, startStepFunctions } from './stepfunctions';

const STEPS = 'arn:aws:lambda:us-east-1:000000000000:function:toolgate-test-steps';
const id = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;

interface StepEvent {
  step: string;
  uploadId: string;
  sub: string;
  error?: { Error: string; Cause: string };
}

let emulator: StepFunctionsEmulator;
let machineArn: string;
const calls: StepEvent[] = [];
/** Per upload id: what the fake steps function does. */
const behaviour = new Map<string, (event: StepEvent) => Promise<unknown> | unknown>();

beforeAll(async () => {
  emulator = await startStepFunctions({ region: 'us-east-1', accountId: '000000000000', retryIntervalMs: 1 });
  machineArn = emulator.register({
    name: 'ingestion',
    definition: ingestionDefinition(STEPS),
    functions: {
      [STEPS]: async (event) => {
        const step = event as StepEvent;
        calls.push(step);
        return (behaviour.get(step.uploadId) ?? (() => ({ ok: step.step })))(step);
      },
    },
  });
});
afterAll(() => emulator.stop());

async function rpc(operation: string, body: unknown) {
  const response = await fetch(emulator.endpoint, {
    method: 'POST',
    headers: { 'x-amz-target': `AWSStepFunctions.${operation}`, 'content-type': 'application/x-amz-json-1.0' },
    body: JSON.stringify(body),
  });
  return { status: response.status, errorType: response.headers.get('x-amzn-errortype'), body: await response.json() };
}

const starter = () =>
  createSfnIngestionStarter(
    createSfnClient({ region: 'us-east-1', endpoint: emulator.endpoint, credentials: LOCAL_CREDENTIALS }),
    machineArn,
  );

const stepsOf = (uploadId: string) => calls.filter((call) => call.uploadId === uploadId).map((call) => call.step);
const named = (name: string, message: string) => Object.assign(new Error(message), { name });

describe('Step Functions emulator', () => {
  it('answers the SDK: StartExecution runs the ASL, each Task invoking the registered function with its Payload', async () => {
    const { executionArn } = await starter().start({ uploadId: id(1), sub: 'alice', correlationId: 'request-1' });
    expect(executionArn).toBe(`arn:aws:states:us-east-1:000000000000:execution:ingestion:${id(1)}`);
    await emulator.describe(executionArn)?.done;
    expect(stepsOf(id(1))).toEqual(['validate', 'extractText', 'summarize', 'store', 'markReady']);
    expect(calls.find((call) => call.uploadId === id(1))).toEqual({
      step: 'validate',
      uploadId: id(1),
      sub: 'alice',
      correlationId: 'request-1',
    });

    const described = await rpc('DescribeExecution', { executionArn });
    expect(described.body).toMatchObject({
      executionArn,
      stateMachineArn: machineArn,
      name: id(1),
      status: 'SUCCEEDED',
      input: JSON.stringify({ uploadId: id(1), sub: 'alice', correlationId: 'request-1' }),
      startDate: expect.any(Number),
      stopDate: expect.any(Number),
    });
    const listed = await rpc('ListExecutions', { stateMachineArn: machineArn, statusFilter: 'SUCCEEDED' });
    expect(listed.body.executions.map((e: { name: string }) => e.name)).toContain(id(1));
  });

  it('is idempotent like AWS: same name and input while running → same execution; otherwise ExecutionAlreadyExists', async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    behaviour.set(id(2), async (event) => {
      if (event.step === 'validate') await gate;
      return {};
    });
    const input = JSON.stringify({ uploadId: id(2), sub: 'alice', correlationId: 'request-2' });
    const first = await rpc('StartExecution', { stateMachineArn: machineArn, name: id(2), input });
    const again = await rpc('StartExecution', { stateMachineArn: machineArn, name: id(2), input });
    expect(again).toEqual(first);
    const other = await rpc('StartExecution', { stateMachineArn: machineArn, name: id(2), input: '{"other":1}' });
    expect(other).toMatchObject({
      status: 400,
      errorType: 'ExecutionAlreadyExists',
      body: { __type: 'ExecutionAlreadyExists' },
    });
    release();
    await emulator.describe(first.body.executionArn)?.done;
    const afterwards = await rpc('StartExecution', { stateMachineArn: machineArn, name: id(2), input });
    expect(afterwards.errorType).toBe('ExecutionAlreadyExists');
    // The SDK-based starter reads that as "already started".
    expect(await starter().start({ uploadId: id(2), sub: 'alice', correlationId: 'request-2' })).toEqual({
      executionArn: first.body.executionArn,
      started: false,
    });
    expect(stepsOf(id(2)).filter((step) => step === 'validate')).toHaveLength(1);
  });

  it('reports a function error by its errorType, so the ASL retries TransientError and catches the rest', async () => {
    let busy = 2;
    behaviour.set(id(3), (event) => {
      if (event.step === 'summarize' && busy-- > 0) throw named('TransientError', 'model busy');
      if (event.step === 'store') throw named('DocumentRejected', 'no text');
      return {};
    });
    const { executionArn } = await starter().start({ uploadId: id(3), sub: 'alice', correlationId: 'request-3' });
    await emulator.describe(executionArn)?.done;
    expect(stepsOf(id(3))).toEqual([
      'validate',
      'extractText',
      'summarize',
      'summarize',
      'summarize',
      'store',
      'markFailed',
    ]);
    expect(calls.find((call) => call.uploadId === id(3) && call.step === 'markFailed')?.error).toEqual({
      Error: 'DocumentRejected',
      Cause: JSON.stringify({ errorType: 'DocumentRejected', errorMessage: 'no text' }),
    });
    expect(emulator.describe(executionArn)).toMatchObject({ status: 'FAILED', error: 'IngestionFailed' });
  });

  it('refuses unknown state machines, bad names, bad input and unsupported operations as AWS does', async () => {
    const unknown = machineArn.replace('ingestion', 'nope');
    expect((await rpc('StartExecution', { stateMachineArn: unknown })).errorType).toBe('StateMachineDoesNotExist');
    expect((await rpc('StartExecution', { stateMachineArn: machineArn, name: 'has space' })).errorType).toBe(
      'InvalidName',
    );
    expect((await rpc('StartExecution', { stateMachineArn: machineArn, input: '{nope' })).errorType).toBe(
      'InvalidExecutionInput',
    );
    expect((await rpc('DescribeExecution', { executionArn: `${machineArn}:x` })).errorType).toBe(
      'ExecutionDoesNotExist',
    );
    expect((await rpc('DeleteStateMachine', { stateMachineArn: machineArn })).errorType).toBe(
      'UnknownOperationException',
    );
  });

  it('stops cleanly, aborting executions in flight', async () => {
    const local = await startStepFunctions({ region: 'us-east-1', accountId: '000000000000' });
    const arn = local.register({
      name: 'slow',
      definition: ingestionDefinition(STEPS),
      functions: { [STEPS]: () => new Promise((resolve) => setTimeout(resolve, 50)) },
    });
    const { executionArn } = await createSfnIngestionStarter(
      createSfnClient({ region: 'us-east-1', endpoint: local.endpoint, credentials: LOCAL_CREDENTIALS }),
      arn,
    ).start({ uploadId: id(9), sub: 'alice', correlationId: 'request-9' });
    await local.stop();
    expect(local.describe(executionArn)?.status).toBe('ABORTED');
    await expect(fetch(local.endpoint)).rejects.toThrow();
  });

  it("fails a Task whose function the state machine's role may not invoke, as Lambda's 403 reaches Step Functions", async () => {
    const invoked: unknown[] = [];
    const other = 'arn:aws:lambda:us-east-1:000000000000:function:toolgate-test-other';
    const arn = emulator.register({
      name: 'role-check',
      definition: {
        StartAt: 'Call',
        States: {
          Call: {
            Type: 'Task',
            Resource: 'arn:aws:states:::lambda:invoke',
            Parameters: { FunctionName: other, 'Payload.$': '$' },
            End: true,
          },
        },
      },
      functions: { [other]: async (event) => invoked.push(event) },
      authorizeInvoke: (functionArn) =>
        functionArn === other ? `User: role is not authorized (${functionArn})` : null,
    });
    const started = await rpc('StartExecution', { stateMachineArn: arn, name: 'denied', input: '{}' });
    await emulator.describe(started.body.executionArn)?.done;
    const described = await rpc('DescribeExecution', { executionArn: started.body.executionArn });
    expect(described.body).toMatchObject({ status: 'FAILED', error: 'Lambda.AWSLambdaException' });
    expect(described.body.cause).toContain(
      `User: role is not authorized (${other}) (Service: AWSLambda; Status Code: 403; Error Code: AccessDeniedException`,
    );
    expect(invoked).toEqual([]);
  });
});
