import { describe, expect, it } from 'vitest';
import { NotFoundError, RateLimitedError, ServiceUnavailableError, UnprocessableError } from '../errors';
import { caller } from '../testing/agent-fakes';
import { manualClock } from '../testing/clock';
import { jobsHarness } from '../testing/jobs-harness';

const alice = caller('alice');
const bob = caller('bob');
const KEY = 'c2f1b9de-3f0e-4a41-9d7e-0a1b2c3d4e5f';

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => {
      throw new Error('expected a rejection');
    },
    (error: unknown) => error,
  );
}

describe('jobs service: submit', () => {
  it('records the job QUEUED for the verified caller, holds a slot, and sends nothing but its id', async () => {
    const h = jobsHarness();
    const { job, replayed } = await h.service.submit({ caller: alice, request: { prompt: 'hello' } });
    expect(replayed).toBe(false);
    expect(job).toMatchObject({ status: 'QUEUED', attempts: 0 });
    expect(h.queue.sent).toEqual([job.jobId]);
    expect(await h.jobs.repository.get(job.jobId)).toMatchObject({
      owner: 'alice',
      scopes: alice.scopes,
      enqueuedAt: expect.any(String),
      messageId: 'msg-1',
      slot: 0,
    });
    expect(h.slots.held.size).toBe(1);
  });

  it('gives the same job for the same Idempotency-Key and body, and a 422 for another body', async () => {
    const h = jobsHarness();
    const first = await h.service.submit({ caller: alice, request: { prompt: 'hello' }, idempotencyKey: KEY });
    const again = await h.service.submit({ caller: alice, request: { prompt: 'hello' }, idempotencyKey: KEY });
    expect(again).toMatchObject({ replayed: true, job: { jobId: first.job.jobId } });
    expect(h.queue.sent).toHaveLength(1);
    const error = await rejection(h.service.submit({ caller: alice, request: { prompt: 'bye' }, idempotencyKey: KEY }));
    expect(error).toBeInstanceOf(UnprocessableError);
    // Keys belong to their user: bob's same key is another job.
    const bobs = await h.service.submit({ caller: bob, request: { prompt: 'hello' }, idempotencyKey: KEY });
    expect(bobs.job.jobId).not.toBe(first.job.jobId);
  });

  it('creates one job for many concurrent submissions with the same key', async () => {
    const h = jobsHarness();
    const outcomes = await Promise.all(
      Array.from({ length: 20 }, () =>
        h.service.submit({ caller: alice, request: { prompt: 'x' }, idempotencyKey: KEY }),
      ),
    );
    expect(new Set(outcomes.map((outcome) => outcome.job.jobId)).size).toBe(1);
    expect(outcomes.filter((outcome) => !outcome.replayed)).toHaveLength(1);
    expect(h.jobs.items.size).toBe(1);
    expect(h.queue.sent).toHaveLength(1);
    expect(h.slots.held.size).toBe(1);
  });

  it("refuses a job past the plan's cap on unfinished jobs (429), and accepts again once one finishes", async () => {
    const h = jobsHarness({ queuedJobs: { free: 2, pro: 5 } });
    const first = await h.service.submit({ caller: alice, request: { prompt: '1' } });
    await h.service.submit({ caller: alice, request: { prompt: '2' } });
    const refused = await rejection(h.service.submit({ caller: alice, request: { prompt: '3' } }));
    expect(refused).toBeInstanceOf(RateLimitedError);
    expect((refused as RateLimitedError).headers['Retry-After']).toBe('30');
    expect(h.jobs.items.size).toBe(2);
    // Other users have their own slots.
    await h.service.submit({ caller: bob, request: { prompt: 'b' } });

    await h.worker.process(h.delivery(first.job.jobId), { deadlineAt: h.now() + 60_000 });
    await expect(h.service.submit({ caller: alice, request: { prompt: '3' } })).resolves.toMatchObject({
      job: { status: 'QUEUED' },
    });
  });

  it('gives the Idempotency-Key back when the cap refuses the job: the key then works for another body', async () => {
    const h = jobsHarness({ queuedJobs: { free: 1, pro: 5 } });
    const first = await h.service.submit({ caller: alice, request: { prompt: '1' } });
    const refused = await rejection(h.service.submit({ caller: alice, request: { prompt: '2' }, idempotencyKey: KEY }));
    expect(refused).toBeInstanceOf(RateLimitedError);
    await h.worker.process(h.delivery(first.job.jobId), { deadlineAt: h.now() + 60_000 });
    // Not a 422: the refused request kept nothing, so the key is as new.
    const accepted = await h.service.submit({ caller: alice, request: { prompt: 'other' }, idempotencyKey: KEY });
    expect(accepted).toMatchObject({ replayed: false, job: { status: 'QUEUED' } });
  });

  it('frees slots held by jobs that finished without releasing them (a crash between the two writes)', async () => {
    const h = jobsHarness({ queuedJobs: { free: 1, pro: 5 } });
    const { job } = await h.service.submit({ caller: alice, request: { prompt: '1' } });
    const item = h.jobs.items.get(job.jobId);
    if (!item) throw new Error('no item');
    h.jobs.items.set(job.jobId, { ...item, status: 'FAILED' });
    await expect(h.service.submit({ caller: alice, request: { prompt: '2' } })).resolves.toMatchObject({
      job: { status: 'QUEUED' },
    });
  });

  it('rolls back when SendMessage fails: 503 with Retry-After, no job, no slot; the same key then recreates it', async () => {
    const h = jobsHarness();
    h.queue.setFailing(true);
    const error = await rejection(h.service.submit({ caller: alice, request: { prompt: 'x' }, idempotencyKey: KEY }));
    expect(error).toBeInstanceOf(ServiceUnavailableError);
    expect((error as ServiceUnavailableError).headers['Retry-After']).toBe('5');
    expect(h.jobs.items.size).toBe(0);
    expect(h.slots.held.size).toBe(0);
    // Without a key too.
    await rejection(h.service.submit({ caller: alice, request: { prompt: 'y' } }));
    expect(h.jobs.items.size).toBe(0);

    h.queue.setFailing(false);
    const retried = await h.service.submit({ caller: alice, request: { prompt: 'x' }, idempotencyKey: KEY });
    expect(retried.job.status).toBe('QUEUED');
    expect(h.queue.sent).toEqual([retried.job.jobId]);
    expect(h.jobs.items.size).toBe(1);
  });

  it('re-sends, on a replay, a job its creator wrote but evidently never sent', async () => {
    const clock = manualClock();
    const h = jobsHarness({ now: clock });
    const { job } = await h.service.submit({ caller: alice, request: { prompt: 'x' }, idempotencyKey: KEY });
    const item = h.jobs.items.get(job.jobId);
    if (!item) throw new Error('no item');
    const { enqueuedAt: _sent, messageId: _id, ...unsent } = item;
    h.jobs.items.set(job.jobId, unsent);
    await h.service.submit({ caller: alice, request: { prompt: 'x' }, idempotencyKey: KEY });
    expect(h.queue.sent).toHaveLength(1); // too early: its creator may be sending it right now
    clock.advance(h.config.resendGraceSeconds * 1000 + 1);
    await h.service.submit({ caller: alice, request: { prompt: 'x' }, idempotencyKey: KEY });
    expect(h.queue.sent).toEqual([job.jobId, job.jobId]);
    expect(h.jobs.items.get(job.jobId)?.enqueuedAt).toBeDefined();
  });
});

describe('jobs service: reads', () => {
  it("answers 404 for another user's job, exactly as for a job that does not exist", async () => {
    const h = jobsHarness();
    const { job } = await h.service.submit({ caller: alice, request: { prompt: 'x' } });
    await expect(h.service.get(alice, job.jobId)).resolves.toMatchObject({ jobId: job.jobId });
    const other = await rejection(h.service.get(bob, job.jobId));
    const missing = await rejection(h.service.get(bob, crypto.randomUUID()));
    expect(other).toBeInstanceOf(NotFoundError);
    expect((other as NotFoundError).status).toBe((missing as NotFoundError).status);
    expect((await h.service.list(bob, { limit: 10 })).items).toEqual([]);
  });

  it("lists the caller's jobs newest first, without results", async () => {
    const clock = manualClock();
    const h = jobsHarness({ now: clock });
    const ids: string[] = [];
    for (const prompt of ['a', 'b', 'c']) {
      ids.push((await h.service.submit({ caller: alice, request: { prompt } })).job.jobId);
      clock.advance(1000);
    }
    const page = await h.service.list(alice, { limit: 10 });
    expect(page.items.map((item) => item.jobId)).toEqual(ids.reverse());
  });

  it('fails, when read, a job whose worker died on the last delivery, and frees its slot', async () => {
    const clock = manualClock();
    const h = jobsHarness({ now: clock });
    const { job } = await h.service.submit({ caller: alice, request: { prompt: 'x' } });
    const at = new Date(clock()).toISOString();
    await h.jobs.repository.take(job.jobId, { now: clock(), at, leaseUntil: clock() + 1000, receiveCount: 2 });
    clock.advance(2000);
    // Lease over, but a delivery is still due (2 of 3): it is left for the worker to take over.
    await expect(h.service.get(alice, job.jobId)).resolves.toMatchObject({ status: 'RUNNING' });
    await h.jobs.repository.take(job.jobId, { now: clock(), at, leaseUntil: clock() + 1000, receiveCount: 3 });
    clock.advance(2000);
    await expect(h.service.get(alice, job.jobId)).resolves.toMatchObject({
      status: 'FAILED',
      error: { code: 'worker-lost' },
    });
    expect(h.slots.held.size).toBe(0);
  });

  it('fails, when read, a job that was written but never sent (a crash between the two)', async () => {
    const clock = manualClock();
    const h = jobsHarness({ now: clock });
    const { job } = await h.service.submit({ caller: alice, request: { prompt: 'x' } });
    const item = h.jobs.items.get(job.jobId);
    if (!item) throw new Error('no item');
    const { enqueuedAt: _sent, ...unsent } = item;
    h.jobs.items.set(job.jobId, unsent);
    await expect(h.service.get(alice, job.jobId)).resolves.toMatchObject({ status: 'QUEUED' });
    clock.advance(h.config.unsentTimeoutSeconds * 1000 + 1);
    const listed = await h.service.list(alice, { limit: 5 });
    expect(listed.items[0]).toMatchObject({ status: 'FAILED', error: { code: 'not-queued' } });
    expect(h.slots.held.size).toBe(0);
  });
});

describe('job_status tool', () => {
  it("tells the caller about their own job, and nothing about anyone else's", async () => {
    const h = jobsHarness();
    const { job } = await h.service.submit({ caller: alice, request: { prompt: 'find the cheapest gpu' } });
    await h.worker.process(h.delivery(job.jobId), { deadlineAt: h.now() + 60_000 });
    const status = await h.registry.call('job_status', { jobId: job.jobId }, { caller: alice });
    expect(status).toMatchObject({ jobId: job.jobId, status: 'SUCCEEDED', reply: expect.stringContaining('Spot GPU') });
    await expect(h.registry.call('job_status', { jobId: job.jobId }, { caller: bob })).rejects.toBeInstanceOf(
      NotFoundError,
    );
    await expect(h.registry.call('job_status', { jobId: 'x' }, { caller: alice })).rejects.toMatchObject({
      status: 400,
    });
  });
});
