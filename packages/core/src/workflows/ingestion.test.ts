import { describe, expect, it } from 'vitest';
import {
  INGESTION_RETRY,
  INGESTION_TIMEOUT_SECONDS,
  ingestionDefinition,
  ingestionTrustPolicy,
  LAMBDA_THROTTLED,
  RETRYABLE_ERRORS,
  retryBudgetSeconds,
  THROTTLE_RETRY,
} from './ingestion';

const ARN = 'arn:aws:lambda:us-east-1:123456789012:function:toolgate-dev-steps';
const definition = ingestionDefinition(ARN);
type AnyState = Record<string, unknown> & { Type: string };
const states = definition.States as unknown as Record<string, AnyState>;
const tasks = Object.entries(states).filter(([, state]) => state.Type === 'Task');

describe('ingestion workflow (ASL)', () => {
  it('is JSONPath, never JSONata, so the local runtime runs the same JSON', () => {
    expect(definition.QueryLanguage).toBe('JSONPath');
    const json = JSON.stringify(definition);
    expect(json).not.toContain('{%');
    expect(json).not.toContain('"Arguments"');
    expect(json).not.toContain('"Output"');
  });

  it('runs validate -> extract text -> summarize -> store -> ready', () => {
    const order: string[] = [];
    let name: string | undefined = definition.StartAt;
    while (name) {
      order.push(name);
      const state: AnyState = states[name]!;
      name = state.End ? undefined : (state.Next as string);
    }
    expect(order).toEqual(['Validate', 'ExtractText', 'Summarize', 'Store', 'MarkReady']);
  });

  it('invokes the steps Lambda from every task with only the ids, the correlation id and the step name', () => {
    expect(tasks.length).toBe(6);
    for (const [name, state] of tasks) {
      expect(state.Resource, name).toBe('arn:aws:states:::lambda:invoke');
      const parameters = state.Parameters as { FunctionName: string; Payload: Record<string, string> };
      expect(parameters.FunctionName, name).toBe(ARN);
      const allowed =
        name === 'MarkFailed'
          ? ['step', 'uploadId.$', 'sub.$', 'correlationId.$', 'error.$']
          : ['step', 'uploadId.$', 'sub.$', 'correlationId.$'];
      expect(Object.keys(parameters.Payload), name).toEqual(allowed);
      // Task output never enters the state: the next step re-loads by id instead of trusting it.
      expect(state.ResultPath, name).toBeNull();
    }
  });

  it('retries Lambda throttling and transient errors with capped, jittered exponential backoff', () => {
    for (const [name, state] of tasks) {
      const [throttled, transient] = state.Retry as Record<string, unknown>[];
      expect(transient?.ErrorEquals, name).toEqual([...RETRYABLE_ERRORS]);
      expect(transient?.ErrorEquals, name).toEqual(
        expect.arrayContaining([
          'Lambda.ServiceException',
          'Lambda.AWSLambdaException',
          'Lambda.SdkClientException',
          'TransientError',
        ]),
      );
      for (const retry of [throttled, transient]) {
        expect(retry?.BackoffRate as number, name).toBeGreaterThan(1);
        expect(retry?.MaxDelaySeconds as number, name).toBeGreaterThan(0);
        expect(retry?.JitterStrategy, name).toBe('FULL');
      }
    }
  });

  it('gives Lambda throttling its own, longer budget on every task, MarkFailed included', () => {
    for (const [name, state] of tasks) {
      const retries = state.Retry as Record<string, unknown>[];
      // The first matching rule wins: throttling must not fall into the short transient budget.
      expect(retries[0], name).toMatchObject({
        ErrorEquals: [LAMBDA_THROTTLED],
        MaxAttempts: THROTTLE_RETRY.maxAttempts,
      });
      expect(
        retries.slice(1).flatMap((retry) => retry.ErrorEquals as string[]),
        name,
      ).not.toContain(LAMBDA_THROTTLED);
    }
    // Minutes, not the ~1 minute a failing dependency gets, and inside the execution's timeout.
    expect(retryBudgetSeconds(THROTTLE_RETRY)).toBeGreaterThanOrEqual(10 * 60);
    expect(retryBudgetSeconds(THROTTLE_RETRY)).toBeGreaterThan(5 * retryBudgetSeconds(INGESTION_RETRY));
    expect(retryBudgetSeconds(THROTTLE_RETRY)).toBeLessThan(INGESTION_TIMEOUT_SECONDS / 2);
  });

  it('lets only Step Functions acting for this account assume its role', () => {
    expect(ingestionTrustPolicy({ accountId: '123456789012' }).Statement).toEqual([
      {
        Effect: 'Allow',
        Principal: { Service: 'states.amazonaws.com' },
        Action: 'sts:AssumeRole',
        Condition: { StringEquals: { 'aws:SourceAccount': '123456789012' } },
      },
    ]);
  });

  it('catches every failure into MarkFailed, which always ends in a Fail state', () => {
    for (const [name, state] of tasks.filter(([name]) => name !== 'MarkFailed')) {
      expect(state.Catch, name).toEqual([{ ErrorEquals: ['States.ALL'], ResultPath: '$.error', Next: 'MarkFailed' }]);
    }
    const markFailed = states.MarkFailed!;
    expect(markFailed.Next).toBe('Failed');
    expect((markFailed.Catch as { Next: string }[])[0]?.Next).toBe('Failed');
    expect(states.Failed?.Type).toBe('Fail');
  });

  it('points every transition at a state that exists', () => {
    for (const [name, state] of Object.entries(states)) {
      const targets = [state.Next, ...((state.Catch as { Next: string }[] | undefined) ?? []).map((c) => c.Next)];
      for (const target of targets.filter(Boolean)) expect(Object.keys(states), name).toContain(target);
    }
  });
});
