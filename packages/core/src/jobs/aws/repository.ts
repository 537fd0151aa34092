import {
  DeleteCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import type { TokenUsage } from '../../agent/provider';
import { type Clock, systemClock } from '../../clock';
import { conditional } from '../../data/conditional';
import type { CursorCodec, ExclusiveStartKey } from '../../data/cursor';
import { isExpired } from '../../data/dynamo';
import { indexKeys, keys } from '../../data/keys';
import { INTERNAL_ERROR_DETAIL, ToolgateError } from '../../errors';
import { type JobRecord, JobRecordSchema } from '../record';
import type { JobError, JobResult } from '../schema';

/**
 * Jobs in the single table:
 *   pk = JOB#<jobId>, sk = JOB                        the job (the worker finds it from the id alone)
 *   gsi1pk = JOBS#<owner>, gsi1sk = <createdAt>#<id>  the owner's jobs, newest first
 * The worker gets nothing but a job id, so the key is the id; the owner is an attribute set from the verified `sub`
 * at submission, and `getOwned` (the only read the HTTP side uses) answers "not found" for anyone else's job.
 * Every state change is one conditional UpdateItem (no transactions: dynalite has none).
 */
export const jobKey = keys.job;
const ownerPartition = indexKeys.ownerJobsPartition;

/**
 * A stored job item that does not match the job schema. It reaches HTTP through `getOwned` and `listByOwner`, where
 * the caller gets the same opaque 500 as for any unexpected error; the worker fails the job for good (`invalid-job`)
 * since a retry reads the same item.
 */
export class CorruptJobError extends ToolgateError {
  override readonly name = 'CorruptJobError';
  override readonly retryable = false;
  constructor(jobId: string, cause: unknown) {
    super(500, 'internal', 'Internal error', { detail: INTERNAL_ERROR_DETAIL, cause });
    // The caller's detail stays opaque; the log's message names the job.
    this.message = `job ${jobId}: stored item does not match the job schema`;
  }
}

/** What must still hold for a job to be failed. */
export type FailGuard =
  /** The worker's own attempt, still RUNNING. */
  | { kind: 'attempt'; attempt: number }
  /** RUNNING whose attempt's lease ran out before `now` (its worker is gone). */
  | { kind: 'abandoned'; attempt: number; now: number }
  /** QUEUED, never sent and never started, created before `createdBefore` (ISO). */
  | { kind: 'unsent'; createdBefore: string };

export interface ClaimInput {
  now: number;
  at: string;
  leaseUntil: number;
  receiveCount: number;
}

export interface CompleteInput {
  result?: JobResult;
  resultRef?: { key: string; bytes: number };
  usage: TokenUsage;
  at: string;
  expiresAt: number;
}

export interface JobsRepository {
  /** False when a job with this id exists already. */
  create(record: JobRecord): Promise<boolean>;
  /** Strongly consistent; null for absent or expired jobs; throws `CorruptJobError` for unreadable items. */
  get(jobId: string): Promise<JobRecord | null>;
  /** The job if `owner` owns it, else null: the same answer as for a job that does not exist. */
  getOwned(owner: string, jobId: string): Promise<JobRecord | null>;
  listByOwner(
    owner: string,
    limit: number,
    cursor?: string,
  ): Promise<{ items: JobRecord[]; nextCursor: string | null }>;
  markEnqueued(jobId: string, messageId: string, at: string): Promise<void>;
  /** Deletes a job that was never sent nor started (rollback of a failed SendMessage). */
  deleteUnsent(jobId: string): Promise<boolean>;
  /** QUEUED → RUNNING, or takes over a RUNNING job whose lease ran out. Null when neither holds. */
  claim(jobId: string, input: ClaimInput): Promise<JobRecord | null>;
  /** True while `attempt` still owns the job and its lease has not run out. */
  holdsLease(jobId: string, attempt: number, now: number, at: string): Promise<boolean>;
  complete(jobId: string, attempt: number, input: CompleteInput): Promise<JobRecord | null>;
  /** RUNNING → QUEUED after a failed attempt that will be retried. */
  requeue(jobId: string, attempt: number, lastError: JobError, at: string): Promise<JobRecord | null>;
  fail(jobId: string, error: JobError, at: string, expiresAt: number, guard: FailGuard): Promise<JobRecord | null>;
  /** Fails an unfinished job whose stored item cannot be read (so it cannot be returned either). */
  failUnreadable(jobId: string, error: JobError, at: string, expiresAt: number): Promise<boolean>;
}

function parseRecord(item: Record<string, unknown>): JobRecord {
  const parsed = JobRecordSchema.safeParse(item);
  if (!parsed.success) throw new CorruptJobError(String(item.jobId ?? '?'), parsed.error);
  return parsed.data;
}

export function createJobsRepository(
  doc: DynamoDBDocumentClient,
  tableName: string,
  cursors: CursorCodec,
  clock: Clock = systemClock,
): JobsRepository {
  const update = async (
    jobId: string,
    expression: string,
    condition: string,
    names: Record<string, string>,
    values: Record<string, unknown>,
  ): Promise<JobRecord | null> => {
    const output = await conditional(() =>
      doc.send(
        new UpdateCommand({
          TableName: tableName,
          Key: jobKey(jobId),
          UpdateExpression: expression,
          ConditionExpression: condition,
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
          ReturnValues: 'ALL_NEW',
        }),
      ),
    );
    return output?.Attributes ? parseRecord(output.Attributes) : null;
  };

  const get = async (jobId: string): Promise<JobRecord | null> => {
    const { Item } = await doc.send(new GetCommand({ TableName: tableName, Key: jobKey(jobId), ConsistentRead: true }));
    if (!Item || isExpired(Item, clock())) return null;
    return parseRecord(Item);
  };

  return {
    async create(record) {
      const written = await conditional(() =>
        doc.send(
          new PutCommand({
            TableName: tableName,
            Item: {
              ...record,
              ...jobKey(record.jobId),
              ...indexKeys.ownerJobs(record.owner, record.createdAt, record.jobId),
            },
            ConditionExpression: 'attribute_not_exists(pk)',
          }),
        ),
      );
      return written !== null;
    },

    get,

    async getOwned(owner, jobId) {
      const record = await get(jobId);
      return record && record.owner === owner ? record : null;
    },

    async listByOwner(owner, limit, cursor) {
      // The cursor is bound to the owner's partition: a crafted one cannot page through someone else's jobs.
      const scope = `jobs|${owner}`;
      const page = await doc.send(
        new QueryCommand({
          TableName: tableName,
          IndexName: 'gsi1',
          KeyConditionExpression: '#p = :p',
          ExpressionAttributeNames: { '#p': 'gsi1pk' },
          ExpressionAttributeValues: { ':p': ownerPartition(owner) },
          ScanIndexForward: false,
          Limit: limit,
          ...(cursor ? { ExclusiveStartKey: cursors.decode(cursor, { scope, partition: ownerPartition(owner) }) } : {}),
        }),
      );
      const items = (page.Items ?? [])
        .filter((item) => !isExpired(item, clock()) && item.owner === owner)
        .map(parseRecord);
      const next = page.LastEvaluatedKey as ExclusiveStartKey | undefined;
      return { items, nextCursor: next ? cursors.encode(scope, next) : null };
    },

    async markEnqueued(jobId, messageId, at) {
      await conditional(() =>
        doc.send(
          new UpdateCommand({
            TableName: tableName,
            Key: jobKey(jobId),
            UpdateExpression: 'SET #enqueuedAt = if_not_exists(#enqueuedAt, :at), #messageId = :messageId',
            ConditionExpression: 'attribute_exists(pk)',
            ExpressionAttributeNames: { '#enqueuedAt': 'enqueuedAt', '#messageId': 'messageId' },
            ExpressionAttributeValues: { ':at': at, ':messageId': messageId },
          }),
        ),
      );
    },

    async deleteUnsent(jobId) {
      const deleted = await conditional(() =>
        doc.send(
          new DeleteCommand({
            TableName: tableName,
            Key: jobKey(jobId),
            ConditionExpression: '#status = :queued AND attribute_not_exists(#enqueuedAt) AND #attempts = :zero',
            ExpressionAttributeNames: { '#status': 'status', '#enqueuedAt': 'enqueuedAt', '#attempts': 'attempts' },
            ExpressionAttributeValues: { ':queued': 'QUEUED', ':zero': 0 },
          }),
        ),
      );
      return deleted !== null;
    },

    claim(jobId, { now, at, leaseUntil, receiveCount }) {
      return update(
        jobId,
        'SET #status = :running, #attempts = #attempts + :one, #leaseUntil = :leaseUntil, ' +
          '#claimedReceiveCount = :receiveCount, #startedAt = if_not_exists(#startedAt, :at), #updatedAt = :at',
        '#status = :queued OR (#status = :running AND #leaseUntil < :now)',
        {
          '#status': 'status',
          '#attempts': 'attempts',
          '#leaseUntil': 'leaseUntil',
          '#claimedReceiveCount': 'claimedReceiveCount',
          '#startedAt': 'startedAt',
          '#updatedAt': 'updatedAt',
        },
        {
          ':running': 'RUNNING',
          ':queued': 'QUEUED',
          ':one': 1,
          ':leaseUntil': leaseUntil,
          ':receiveCount': receiveCount,
          ':at': at,
          ':now': now,
        },
      );
    },

    async holdsLease(jobId, attempt, now, at) {
      const held = await update(
        jobId,
        'SET #updatedAt = :at',
        '#status = :running AND #attempts = :attempt AND #leaseUntil > :now',
        { '#status': 'status', '#attempts': 'attempts', '#leaseUntil': 'leaseUntil', '#updatedAt': 'updatedAt' },
        { ':running': 'RUNNING', ':attempt': attempt, ':now': now, ':at': at },
      );
      return held !== null;
    },

    complete(jobId, attempt, { result, resultRef, usage, at, expiresAt }) {
      const stored: Record<string, string> = result ? { '#result': 'result' } : { '#resultRef': 'resultRef' };
      return update(
        jobId,
        `SET #status = :succeeded, ${result ? '#result = :result' : '#resultRef = :resultRef'}, #usage = :usage, ` +
          '#finishedAt = :at, #updatedAt = :at, #expiresAt = :expiresAt REMOVE #leaseUntil, #lastError',
        '#status = :running AND #attempts = :attempt',
        {
          '#status': 'status',
          ...stored,
          '#usage': 'usage',
          '#finishedAt': 'finishedAt',
          '#updatedAt': 'updatedAt',
          '#expiresAt': 'expiresAt',
          '#leaseUntil': 'leaseUntil',
          '#lastError': 'lastError',
          '#attempts': 'attempts',
        },
        {
          ':succeeded': 'SUCCEEDED',
          ...(result ? { ':result': result } : { ':resultRef': resultRef }),
          ':usage': usage,
          ':at': at,
          ':expiresAt': expiresAt,
          ':running': 'RUNNING',
          ':attempt': attempt,
        },
      );
    },

    requeue(jobId, attempt, lastError, at) {
      return update(
        jobId,
        'SET #status = :queued, #lastError = :lastError, #updatedAt = :at REMOVE #leaseUntil',
        '#status = :running AND #attempts = :attempt',
        {
          '#status': 'status',
          '#lastError': 'lastError',
          '#updatedAt': 'updatedAt',
          '#leaseUntil': 'leaseUntil',
          '#attempts': 'attempts',
        },
        { ':queued': 'QUEUED', ':lastError': lastError, ':at': at, ':running': 'RUNNING', ':attempt': attempt },
      );
    },

    fail(jobId, error, at, expiresAt, guard) {
      const names: Record<string, string> = {
        '#status': 'status',
        '#error': 'error',
        '#finishedAt': 'finishedAt',
        '#updatedAt': 'updatedAt',
        '#expiresAt': 'expiresAt',
        '#leaseUntil': 'leaseUntil',
      };
      const values: Record<string, unknown> = {
        ':failed': 'FAILED',
        ':error': error,
        ':at': at,
        ':expiresAt': expiresAt,
      };
      let condition: string;
      switch (guard.kind) {
        case 'attempt':
        case 'abandoned':
          names['#attempts'] = 'attempts';
          values[':running'] = 'RUNNING';
          values[':attempt'] = guard.attempt;
          condition = '#status = :running AND #attempts = :attempt';
          if (guard.kind === 'abandoned') {
            values[':now'] = guard.now;
            condition += ' AND #leaseUntil < :now';
          }
          break;
        case 'unsent':
          names['#attempts'] = 'attempts';
          names['#enqueuedAt'] = 'enqueuedAt';
          names['#createdAt'] = 'createdAt';
          values[':queued'] = 'QUEUED';
          values[':zero'] = 0;
          values[':createdBefore'] = guard.createdBefore;
          condition =
            '#status = :queued AND #attempts = :zero AND attribute_not_exists(#enqueuedAt) AND #createdAt < :createdBefore';
          break;
      }
      return update(
        jobId,
        'SET #status = :failed, #error = :error, #finishedAt = :at, #updatedAt = :at, #expiresAt = :expiresAt ' +
          'REMOVE #leaseUntil',
        condition,
        names,
        values,
      );
    },

    async failUnreadable(jobId, error, at, expiresAt) {
      const written = await conditional(() =>
        doc.send(
          new UpdateCommand({
            TableName: tableName,
            Key: jobKey(jobId),
            UpdateExpression:
              'SET #status = :failed, #error = :error, #finishedAt = :at, #updatedAt = :at, #expiresAt = :expiresAt',
            ConditionExpression: '#status IN (:queued, :running)',
            ExpressionAttributeNames: {
              '#status': 'status',
              '#error': 'error',
              '#finishedAt': 'finishedAt',
              '#updatedAt': 'updatedAt',
              '#expiresAt': 'expiresAt',
            },
            ExpressionAttributeValues: {
              ':failed': 'FAILED',
              ':error': error,
              ':at': at,
              ':expiresAt': expiresAt,
              ':queued': 'QUEUED',
              ':running': 'RUNNING',
            },
          }),
        ),
      );
      return written !== null;
    },
  };
}
