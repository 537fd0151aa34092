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
import {
  allOf,
  anyOf,
  type Condition,
  condition,
  conditional,
  conditionFields,
  equals,
  itemAbsent,
  itemExists,
  written,
} from '../../data/conditional';
import type { CursorCodec, ExclusiveStartKey } from '../../data/cursor';
import { isExpired } from '../../data/dynamo';
import { indexKeys, keys } from '../../data/keys';
import { expired, heldBy, LEASE_UNTIL, leaseUntil, live } from '../../data/lease';
import { ifNotExists, increment, updateFields } from '../../data/update';
import { INTERNAL_ERROR_DETAIL, ToolgateError } from '../../errors';
import { type JobRecord, JobRecordSchema } from '../record';
import type { JobError, JobResult } from '../schema';
import { UNSENT, unsentBefore } from '../unsent';

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

export interface TakeInput {
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
  take(jobId: string, input: TakeInput): Promise<JobRecord | null>;
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

/** The named conditions of the job's state changes (the lease ones come from data/lease.ts). */
const queued = equals('status', 'QUEUED', 'queued');
const running = equals('status', 'RUNNING', 'running');
const unfinished = condition(
  '#status IN (:queued, :running)',
  { '#status': 'status' },
  { ':queued': 'QUEUED', ':running': 'RUNNING' },
);
/** The attempt that took the job still holds it (the attempt number is the fencing token). */
const attemptHolds = (attempt: number) => allOf(running, heldBy('attempts', attempt));

function guardCondition(guard: FailGuard): Condition {
  switch (guard.kind) {
    case 'attempt':
      return attemptHolds(guard.attempt);
    case 'abandoned':
      return allOf(attemptHolds(guard.attempt), expired(guard.now));
    case 'unsent':
      return unsentBefore(guard.createdBefore);
  }
}

const finished = (status: 'SUCCEEDED' | 'FAILED', at: string, expiresAt: number) => ({
  status,
  finishedAt: at,
  updatedAt: at,
  expiresAt,
});

export function createJobsRepository(
  doc: DynamoDBDocumentClient,
  tableName: string,
  cursors: CursorCodec,
  clock: Clock = systemClock,
): JobsRepository {
  const send = (
    jobId: string,
    when: Condition,
    set: Record<string, unknown>,
    remove: readonly string[],
    returnNew: boolean,
  ) => {
    const { UpdateExpression, names, values } = updateFields(set, remove);
    return conditional(() =>
      doc.send(
        new UpdateCommand({
          TableName: tableName,
          Key: jobKey(jobId),
          UpdateExpression,
          ...conditionFields(when, names, values),
          ...(returnNew ? { ReturnValues: 'ALL_NEW' as const } : {}),
        }),
      ),
    );
  };
  /** The updated job, or null when `when` refused the change. */
  const update = async (
    jobId: string,
    when: Condition,
    set: Record<string, unknown>,
    remove: readonly string[] = [],
  ) => {
    const output = await send(jobId, when, set, remove, true);
    return output?.Attributes ? parseRecord(output.Attributes) : null;
  };
  /** Whether the change was made; the item is not read back (it may be one that does not parse). */
  const change = async (jobId: string, when: Condition, set: Record<string, unknown>) =>
    (await send(jobId, when, set, [], false)) !== null;

  const get = async (jobId: string): Promise<JobRecord | null> => {
    const { Item } = await doc.send(new GetCommand({ TableName: tableName, Key: jobKey(jobId), ConsistentRead: true }));
    if (!Item || isExpired(Item, clock())) return null;
    return parseRecord(Item);
  };

  return {
    create(record) {
      const item = {
        ...record,
        ...jobKey(record.jobId),
        ...indexKeys.ownerJobs(record.owner, record.createdAt, record.jobId),
      };
      return written(() =>
        doc.send(new PutCommand({ TableName: tableName, Item: item, ...conditionFields(itemAbsent) })),
      );
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
      await change(jobId, itemExists, { enqueuedAt: ifNotExists(at), messageId });
    },

    deleteUnsent(jobId) {
      return written(() =>
        doc.send(new DeleteCommand({ TableName: tableName, Key: jobKey(jobId), ...conditionFields(UNSENT) })),
      );
    },

    take(jobId, { now, at, leaseUntil: until, receiveCount }) {
      return update(jobId, anyOf(queued, allOf(running, expired(now))), {
        status: 'RUNNING',
        attempts: increment(1),
        ...leaseUntil(until),
        claimedReceiveCount: receiveCount,
        startedAt: ifNotExists(at),
        updatedAt: at,
      });
    },

    holdsLease(jobId, attempt, now, at) {
      return change(jobId, allOf(attemptHolds(attempt), live(now)), { updatedAt: at });
    },

    complete(jobId, attempt, { result, resultRef, usage, at, expiresAt }) {
      return update(
        jobId,
        attemptHolds(attempt),
        { ...finished('SUCCEEDED', at, expiresAt), ...(result ? { result } : { resultRef }), usage },
        [LEASE_UNTIL, 'lastError'],
      );
    },

    requeue(jobId, attempt, lastError, at) {
      return update(jobId, attemptHolds(attempt), { status: 'QUEUED', lastError, updatedAt: at }, [LEASE_UNTIL]);
    },

    fail(jobId, error, at, expiresAt, guard) {
      return update(jobId, guardCondition(guard), { ...finished('FAILED', at, expiresAt), error }, [LEASE_UNTIL]);
    },

    failUnreadable(jobId, error, at, expiresAt) {
      return change(jobId, unfinished, { ...finished('FAILED', at, expiresAt), error });
    },
  };
}
