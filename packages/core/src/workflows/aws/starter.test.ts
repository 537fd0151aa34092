import type { SFNClient } from '@aws-sdk/client-sfn';
import { describe, expect, it } from 'vitest';
import { ServiceUnavailableError } from '../../errors';
import { createSfnIngestionStarter, executionArnOf } from './starter';

const MACHINE = 'arn:aws:states:eu-west-1:123456789012:stateMachine:toolgate-prod-ingestion';
const ID = '11111111-1111-4111-8111-111111111111';

function client(send: (command: { input: unknown }) => Promise<unknown>) {
  const sent: unknown[] = [];
  return {
    sent,
    client: {
      send: (command: { input: unknown }) => {
        sent.push(command.input);
        return send(command);
      },
    } as unknown as SFNClient,
  };
}

describe('ingestion starter', () => {
  it('derives execution ARNs the way Step Functions names them', () => {
    expect(executionArnOf(MACHINE, ID)).toBe(
      `arn:aws:states:eu-west-1:123456789012:execution:toolgate-prod-ingestion:${ID}`,
    );
    expect(() => executionArnOf('arn:aws:lambda:x', ID)).toThrow(/not a state machine ARN/);
  });

  it('starts one execution named after the upload, with only the ids and the correlation id as input', async () => {
    const { client: sfn, sent } = client(async () => ({ executionArn: 'arn:x' }));
    expect(
      await createSfnIngestionStarter(sfn, MACHINE).start({ uploadId: ID, sub: 'alice', correlationId: 'request-1' }),
    ).toEqual({
      executionArn: 'arn:x',
      started: true,
    });
    expect(sent).toEqual([
      {
        stateMachineArn: MACHINE,
        name: ID,
        input: JSON.stringify({ uploadId: ID, sub: 'alice', correlationId: 'request-1' }),
      },
    ]);
  });

  it('treats ExecutionAlreadyExists as "already started", and throttling as a retryable 503', async () => {
    const exists = Object.assign(new Error('exists'), { name: 'ExecutionAlreadyExists' });
    const { client: taken } = client(() => Promise.reject(exists));
    expect(
      await createSfnIngestionStarter(taken, MACHINE).start({ uploadId: ID, sub: 'alice', correlationId: 'request-1' }),
    ).toEqual({
      executionArn: executionArnOf(MACHINE, ID),
      started: false,
    });
    const throttled = Object.assign(new Error('slow down'), {
      name: 'ThrottlingException',
      $metadata: { httpStatusCode: 400 },
    });
    const { client: busy } = client(() => Promise.reject(throttled));
    await expect(
      createSfnIngestionStarter(busy, MACHINE).start({ uploadId: ID, sub: 'alice', correlationId: 'request-1' }),
    ).rejects.toBeInstanceOf(ServiceUnavailableError);
    const denied = Object.assign(new Error('denied'), { name: 'AccessDeniedException' });
    const { client: forbidden } = client(() => Promise.reject(denied));
    await expect(
      createSfnIngestionStarter(forbidden, MACHINE).start({ uploadId: ID, sub: 'alice', correlationId: 'request-1' }),
    ).rejects.toBe(denied);
  });
});
