import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { createJobsRepository } from '../jobs/aws/repository';
import { allOf, anyOf, conditional, conditionFields, equals, itemAbsent } from './conditional';
import { createCursorCodec } from './cursor';
import { expired, heldBy, vacant } from './lease';
import { updateFields } from './update';

const refused = () =>
  Object.assign(new Error('The conditional request failed'), { name: 'ConditionalCheckFailedException' });

describe('conditions from named parts', () => {
  it('joins parts with their placeholders, and refuses one placeholder with two values', () => {
    const when = anyOf(vacant(1_000_000), allOf(equals('status', 'IN_PROGRESS', 'inProgress'), expired(1_000_000)));
    // Parentheses only around a part joined by the other operator: DynamoDB refuses redundant ones.
    expect(when.expression).toBe(
      'attribute_not_exists(pk) OR #expiresAt <= :ttlNow OR ' +
        '(#status = :inProgress AND (attribute_not_exists(#leaseUntil) OR #leaseUntil < :leaseNow))',
    );
    expect(allOf(equals('status', 'A')).expression).toBe('#status = :status');
    expect(when.values).toEqual({ ':ttlNow': 1000, ':inProgress': 'IN_PROGRESS', ':leaseNow': 1_000_000 });
    expect(() => allOf(equals('status', 'A', 'x'), equals('plan', 'B', 'x'))).toThrow(/two values for :x/);
  });

  it('merges a condition with an update, leaving out empty maps', () => {
    expect(conditionFields(itemAbsent)).toEqual({ ConditionExpression: 'attribute_not_exists(pk)' });
    const update = updateFields({ status: 'DONE', skipped: undefined }, ['token']);
    expect(update.UpdateExpression).toBe('SET #status = :set_status REMOVE #token');
    expect(conditionFields(heldBy('token', 't-1'), update.names, update.values)).toEqual({
      ConditionExpression: '#token = :holder',
      ExpressionAttributeNames: { '#status': 'status', '#token': 'token' },
      ExpressionAttributeValues: { ':set_status': 'DONE', ':holder': 't-1' },
    });
  });

  it('answers a refused condition with null, and lets every other error through', async () => {
    expect(await conditional(() => Promise.reject(refused()))).toBeNull();
    expect(await conditional(() => Promise.resolve({ ok: true }))).toEqual({ ok: true });
    await expect(conditional(() => Promise.reject(new Error('throttled')))).rejects.toThrow('throttled');
  });
});

describe('the exact command a lease write sends (as Powertools tests its DynamoDB adapter)', () => {
  it("a job claim: QUEUED, or RUNNING with a run-out lease; the attempt counter and the lease's end", async () => {
    const sent: UpdateCommand[] = [];
    const doc = {
      send: async (command: UpdateCommand) => {
        sent.push(command);
        throw refused();
      },
    } as never;
    const jobs = createJobsRepository(doc, 'table', createCursorCodec(null));
    const claim = { now: 5_000, at: '2031-05-15T12:00:05.000Z', leaseUntil: 65_000, receiveCount: 2 };
    expect(await jobs.take('job-1', claim)).toBeNull();
    expect(sent[0]).toBeInstanceOf(UpdateCommand);
    expect(sent[0]?.input).toEqual({
      TableName: 'table',
      Key: { pk: 'JOB#job-1', sk: 'JOB' },
      UpdateExpression:
        'SET #status = :set_status, #attempts = #attempts + :set_attempts, #leaseUntil = :set_leaseUntil, ' +
        '#claimedReceiveCount = :set_claimedReceiveCount, #startedAt = if_not_exists(#startedAt, :set_startedAt), ' +
        '#updatedAt = :set_updatedAt',
      ConditionExpression:
        '#status = :queued OR (#status = :running AND (attribute_not_exists(#leaseUntil) OR #leaseUntil < :leaseNow))',
      ExpressionAttributeNames: {
        '#status': 'status',
        '#attempts': 'attempts',
        '#leaseUntil': 'leaseUntil',
        '#claimedReceiveCount': 'claimedReceiveCount',
        '#startedAt': 'startedAt',
        '#updatedAt': 'updatedAt',
      },
      ExpressionAttributeValues: {
        ':set_status': 'RUNNING',
        ':set_attempts': 1,
        ':set_leaseUntil': 65_000,
        ':set_claimedReceiveCount': 2,
        ':set_startedAt': claim.at,
        ':set_updatedAt': claim.at,
        ':queued': 'QUEUED',
        ':running': 'RUNNING',
        ':leaseNow': 5_000,
      },
      ReturnValues: 'ALL_NEW',
    });
  });
});
