import { randomUUID } from 'node:crypto';
import type { Clock } from '@toolgate/core/clock';
import { createCursorCodec } from '@toolgate/core/data/cursor';
import { createJobsRepository, type JobsRepository } from '@toolgate/core/jobs/aws/repository';
import { manualClock } from '@toolgate/core/testing/clock';
import { memoryJobsRepository } from '@toolgate/core/testing/jobs-fakes';
import { beforeEach, describe, expect, it } from 'vitest';
import { useDynaliteTable } from '../support/dynalite';

/**
 * The jobs repository's contract, run against the in-memory fake the unit tests use and against the DynamoDB
 * repository on dynalite: every condition the service and the worker rely on (the lease, the attempt fencing, the
 * unsent rule, expiry) must answer alike in both, so a fake cannot drift from the real condition.
 */
const table = useDynaliteTable();
const cursors = createCursorCodec('contract-tests-cursor-signing-key-0123456789');

const implementations: [string, (clock: Clock) => JobsRepository][] = [
  ['in-memory fake', (clock) => memoryJobsRepository(clock).repository],
  ['DynamoDB on dynalite', (clock) => createJobsRepository(table().doc, table().tableName, cursors, clock)],
];

/** A stored job (jobs/record.ts), as the repository takes it. */
type JobRecord = Parameters<JobsRepository['create']>[0];

describe.each(implementations)('jobs repository: %s', (_name, create) => {
  const clock = manualClock();
  let jobs: JobsRepository;
  const iso = () => new Date(clock()).toISOString();
  const record = (overrides: Partial<JobRecord> = {}): JobRecord => ({
    jobId: randomUUID(),
    owner: `user-${randomUUID()}`,
    scopes: ['jobs:write'],
    clientId: 'client',
    status: 'QUEUED',
    request: { prompt: 'hello' },
    requestHash: 'hash',
    createdAt: iso(),
    updatedAt: iso(),
    attempts: 0,
    expiresAt: Math.floor(clock() / 1000) + 3600,
    ...overrides,
  });
  const created = async (overrides: Partial<JobRecord> = {}) => {
    const job = record(overrides);
    expect(await jobs.create(job)).toBe(true);
    return job;
  };
  const take = (jobId: string, leaseMs = 1_000, receiveCount = 1) =>
    jobs.take(jobId, { now: clock(), at: iso(), leaseUntil: clock() + leaseMs, receiveCount });
  const error = { code: 'test', message: 'failed in a test' };

  beforeEach(() => {
    clock.set(Date.UTC(2031, 4, 15, 12, 0, 0));
    jobs = create(clock);
  });

  it('creates a job once, and reads it back only for its owner', async () => {
    const job = await created();
    expect(await jobs.create({ ...job, owner: 'someone-else' })).toBe(false);
    expect(await jobs.get(job.jobId)).toMatchObject({ jobId: job.jobId, owner: job.owner, status: 'QUEUED' });
    expect(await jobs.getOwned(job.owner, job.jobId)).toMatchObject({ jobId: job.jobId });
    expect(await jobs.getOwned('someone-else', job.jobId)).toBeNull();
    expect(await jobs.get(randomUUID())).toBeNull();
  });

  it('reads a job past its TTL as gone, though the item may still be there', async () => {
    const job = await created({ expiresAt: Math.floor(clock() / 1000) + 60 });
    clock.advance(60_000);
    expect(await jobs.get(job.jobId)).toBeNull();
    expect((await jobs.listByOwner(job.owner, 10)).items).toEqual([]);
  });

  it("lists the owner's jobs newest first, and nobody else's", async () => {
    const owner = `user-${randomUUID()}`;
    const first = await created({ owner });
    clock.advance(1_000);
    const second = await created({ owner, createdAt: iso(), updatedAt: iso() });
    await created();
    const page = await jobs.listByOwner(owner, 10);
    expect(page.items.map((item) => item.jobId)).toEqual([second.jobId, first.jobId]);
  });

  it('lets one claim take the lease; another only once it has run out, with the next attempt', async () => {
    const job = await created();
    expect(await take(job.jobId, 1_000, 1)).toMatchObject({
      status: 'RUNNING',
      attempts: 1,
      leaseUntil: clock() + 1_000,
      claimedReceiveCount: 1,
      startedAt: iso(),
    });
    clock.advance(999);
    expect(await take(job.jobId)).toBeNull();
    const startedAt = new Date(clock() - 999).toISOString();
    clock.advance(2);
    expect(await take(job.jobId, 5_000, 2)).toMatchObject({ attempts: 2, claimedReceiveCount: 2, startedAt });
  });

  it('fences every write of an attempt by its number, and holdsLease by the lease end too', async () => {
    const job = await created();
    await take(job.jobId, 1_000);
    expect(await jobs.holdsLease(job.jobId, 1, clock(), iso())).toBe(true);
    expect(await jobs.holdsLease(job.jobId, 2, clock(), iso())).toBe(false);
    clock.advance(1_000);
    // The lease ends at its instant: no longer held, but not yet free for another attempt either.
    expect(await jobs.holdsLease(job.jobId, 1, clock(), iso())).toBe(false);
    expect(await take(job.jobId)).toBeNull();
    clock.advance(1);
    expect(await take(job.jobId, 10_000)).toMatchObject({ attempts: 2 });
    const done = { usage: { inputTokens: 1, outputTokens: 2 }, at: iso(), expiresAt: 1 };
    const result = { reply: 'ok', stoppedBy: 'answer' as const, toolCalls: [], usage: done.usage };
    expect(await jobs.complete(job.jobId, 1, { ...done, result })).toBeNull();
    expect(await jobs.requeue(job.jobId, 1, error, iso())).toBeNull();
    expect(await jobs.fail(job.jobId, error, iso(), 1, { kind: 'attempt', attempt: 1 })).toBeNull();
    const completed = await jobs.complete(job.jobId, 2, { ...done, result });
    expect(completed).toMatchObject({ status: 'SUCCEEDED', result, usage: done.usage, finishedAt: iso() });
    expect(completed?.leaseUntil).toBeUndefined();
    expect(await jobs.complete(job.jobId, 2, { ...done, result })).toBeNull();
  });

  it('requeues a failed attempt without its lease, and the next claim takes it at once', async () => {
    const job = await created();
    await take(job.jobId, 60_000);
    const requeued = await jobs.requeue(job.jobId, 1, error, iso());
    expect(requeued).toMatchObject({ status: 'QUEUED', lastError: error, attempts: 1 });
    expect(requeued?.leaseUntil).toBeUndefined();
    expect(await take(job.jobId)).toMatchObject({ status: 'RUNNING', attempts: 2 });
  });

  it('fails an abandoned attempt only once its lease has run out', async () => {
    const job = await created();
    await take(job.jobId, 1_000);
    const abandoned = () => jobs.fail(job.jobId, error, iso(), 1, { kind: 'abandoned', attempt: 1, now: clock() });
    expect(await abandoned()).toBeNull();
    clock.advance(1_001);
    const failed = await abandoned();
    expect(failed).toMatchObject({ status: 'FAILED', error });
    expect(failed?.leaseUntil).toBeUndefined();
  });

  it('applies the unsent rule: delete or fail only while QUEUED, unstarted and never marked as sent', async () => {
    const sent = await created();
    await jobs.markEnqueued(sent.jobId, 'message-1', iso());
    await jobs.markEnqueued(sent.jobId, 'message-2', new Date(clock() + 5).toISOString());
    expect(await jobs.get(sent.jobId)).toMatchObject({ enqueuedAt: iso(), messageId: 'message-2' });
    expect(await jobs.deleteUnsent(sent.jobId)).toBe(false);

    const started = await created();
    await take(started.jobId);
    expect(await jobs.deleteUnsent(started.jobId)).toBe(false);

    const unsent = await created();
    const later = new Date(clock() + 1).toISOString();
    expect(await jobs.fail(unsent.jobId, error, iso(), 1, { kind: 'unsent', createdBefore: iso() })).toBeNull();
    expect(await jobs.fail(sent.jobId, error, iso(), 1, { kind: 'unsent', createdBefore: later })).toBeNull();
    expect(await jobs.fail(unsent.jobId, error, iso(), 1, { kind: 'unsent', createdBefore: later })).toMatchObject({
      status: 'FAILED',
    });
    const rolledBack = await created();
    expect(await jobs.deleteUnsent(rolledBack.jobId)).toBe(true);
    expect(await jobs.get(rolledBack.jobId)).toBeNull();
    await jobs.markEnqueued(rolledBack.jobId, 'message-3', iso());
    expect(await jobs.get(rolledBack.jobId)).toBeNull();
  });

  it('fails an unreadable job only while it is unfinished', async () => {
    const running = await created();
    await take(running.jobId);
    expect(await jobs.failUnreadable(running.jobId, error, iso(), 1)).toBe(true);
    expect(await jobs.failUnreadable(running.jobId, error, iso(), 1)).toBe(false);
    expect(await jobs.failUnreadable(randomUUID(), error, iso(), 1)).toBe(false);
  });
});
