import { randomUUID } from 'node:crypto';
import { createIdempotencyStore, type IdempotencyStore } from '@toolgate/core/jobs/aws/idempotency';
import { createJobSlots, type JobSlots } from '@toolgate/core/jobs/aws/slots';
import { createJobUsageLedger, type JobUsageLedger } from '@toolgate/core/jobs/aws/usage-ledger';
import { manualClock } from '@toolgate/core/testing/clock';
import { memoryIdempotencyStore, memoryJobSlots, memoryUsageLedger } from '@toolgate/core/testing/jobs-fakes';
import { describe, expect, it } from 'vitest';
import { useDynaliteTable } from '../support/dynalite';

/**
 * The contracts of the jobs tier's other conditional writes — active-job slots, `Idempotency-Key` reservations and
 * the once-only usage record — run against the in-memory fakes and against DynamoDB on dynalite alike.
 */
const table = useDynaliteTable();

interface Implementation {
  slots: () => JobSlots;
  keys: () => IdempotencyStore;
  ledger: () => JobUsageLedger;
}

const implementations: [string, Implementation][] = [
  [
    'in-memory fakes',
    { slots: () => memoryJobSlots().slots, keys: memoryIdempotencyStore, ledger: () => memoryUsageLedger().ledger },
  ],
  [
    'DynamoDB on dynalite',
    {
      slots: () => createJobSlots(table().doc, table().tableName),
      keys: () => createIdempotencyStore(table().doc, table().tableName),
      ledger: () => createJobUsageLedger(table().doc, table().tableName),
    },
  ],
];

const at = '2031-05-15T12:00:00.000Z';
const user = () => `user-${randomUUID()}`;

describe.each(implementations)('job slots, idempotency keys and the usage ledger: %s', (_name, make) => {
  it('hands out slots below the cap, the same one again to the job that holds it, and none past the cap', async () => {
    const slots = make.slots();
    const sub = user();
    const [a, b, c] = [randomUUID(), randomUUID(), randomUUID()];
    expect(await slots.take(sub, a, 2, at)).toBe(0);
    expect(await slots.take(sub, b, 2, at)).toBe(1);
    expect(await slots.take(sub, a, 2, at)).toBe(0);
    expect(await slots.take(sub, c, 2, at)).toBeNull();
    expect(await slots.take(user(), c, 2, at)).toBe(0);
    expect((await slots.holders(sub)).map(({ slot, jobId }) => ({ slot, jobId }))).toEqual([
      { slot: 0, jobId: a },
      { slot: 1, jobId: b },
    ]);
  });

  it('frees a slot only for the job that holds it', async () => {
    const slots = make.slots();
    const sub = user();
    const [a, b] = [randomUUID(), randomUUID()];
    await slots.take(sub, a, 1, at);
    await slots.release(sub, 0, b);
    expect(await slots.take(sub, b, 1, at)).toBeNull();
    await slots.release(sub, 0, a);
    await slots.release(sub, 0, a);
    expect(await slots.take(sub, b, 1, at)).toBe(0);
  });

  it('reserves a key once per user, answers later requests with the first reservation, and frees it at its TTL', async () => {
    const keys = make.keys();
    const clock = manualClock();
    const sub = user();
    const first = { jobId: randomUUID(), requestHash: 'first' };
    const second = { jobId: randomUUID(), requestHash: 'second' };
    const options = () => ({ now: clock(), ttlSeconds: 60 });
    expect(await keys.take(sub, 'key-00000001', first, options())).toEqual({ taken: true, ...first });
    expect(await keys.take(sub, 'key-00000001', second, options())).toEqual({ taken: false, ...first });
    expect(await keys.take(user(), 'key-00000001', second, options())).toEqual({ taken: true, ...second });
    clock.advance(59_000);
    expect(await keys.take(sub, 'key-00000001', second, options())).toMatchObject({ taken: false });
    clock.advance(1_000);
    expect(await keys.take(sub, 'key-00000001', second, options())).toEqual({ taken: true, ...second });
  });

  it('gives a key back only for the job it stands for', async () => {
    const keys = make.keys();
    const clock = manualClock();
    const sub = user();
    const first = { jobId: randomUUID(), requestHash: 'first' };
    const second = { jobId: randomUUID(), requestHash: 'second' };
    const options = { now: clock(), ttlSeconds: 60 };
    await keys.take(sub, 'key-00000002', first, options);
    await keys.release(sub, 'key-00000002', second.jobId);
    expect(await keys.take(sub, 'key-00000002', second, options)).toMatchObject({ taken: false, ...first });
    await keys.release(sub, 'key-00000002', first.jobId);
    expect(await keys.take(sub, 'key-00000002', second, options)).toEqual({ taken: true, ...second });
  });

  it('records a job’s usage once, however often it is asked', async () => {
    const ledger = make.ledger();
    const sub = user();
    const jobId = randomUUID();
    const entry = { usage: { inputTokens: 3, outputTokens: 4 }, model: 'dev', at: Date.UTC(2031, 4, 15) };
    expect(await ledger.record(sub, jobId, entry)).toBe(true);
    expect(await ledger.record(sub, jobId, entry)).toBe(false);
    expect(await ledger.record(user(), randomUUID(), entry)).toBe(true);
  });
});
