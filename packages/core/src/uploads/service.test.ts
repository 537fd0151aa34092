import { describe, expect, it } from 'vitest';
import { ConflictError, NotFoundError, ServiceUnavailableError, UnprocessableError } from '../errors';
import { DEFAULT_PLAN_LIMITS } from '../limits/plans';
import { createChatQuota } from '../limits/rate-limiter';
import { monthWindow } from '../limits/windows';
import { caller, memoryUsage } from '../testing/agent-fakes';
import { manualClock } from '../testing/clock';
import { memoryStarter, memoryStorage, memoryUploads } from '../testing/upload-fakes';
import { INGESTION_STRANDED_AFTER_SECONDS } from '../workflows/ingestion';
import { UploadsConfigSchema } from './config';
import { uploadKey } from './keys';
import { createUploadRequestSchema } from './schema';
import { createUploadService, STRANDED_REASON } from './service';

const limits = UploadsConfigSchema.parse({});
const alice = caller('alice');
const bob = caller('bob');

function setup() {
  const clock = manualClock(Date.parse('2026-11-24T12:00:00Z'));
  const uploads = memoryUploads(clock);
  const storage = memoryStorage(clock);
  const ingestion = memoryStarter();
  const usage = memoryUsage();
  let n = 0;
  const service = createUploadService({
    uploads,
    storage,
    ingestion,
    limits,
    users: { get: async () => ({ plan: 'free' }) },
    quota: createChatQuota({ store: usage, plans: DEFAULT_PLAN_LIMITS, now: clock }),
    newId: () => `00000000-0000-4000-8000-00000000000${n++}`,
    now: clock,
  });
  return { uploads, storage, ingestion, service, clock, usage };
}

const declared = { filename: 'notes.txt', contentType: 'text/plain', size: 5 } as const;

describe('upload requests', () => {
  const schema = createUploadRequestSchema(limits.maxBytes);

  it('accept a plain file name, an allowed type and a size up to the maximum', () => {
    expect(
      schema.parse({ filename: 'Q3 report (final).pdf', contentType: 'application/pdf', size: limits.maxBytes }),
    ).toEqual({ filename: 'Q3 report (final).pdf', contentType: 'application/pdf', size: limits.maxBytes });
    expect(schema.safeParse({ filename: 'résumé.md', contentType: 'text/markdown', size: 1 }).success).toBe(true);
  });

  it.each([
    ['a/b.txt'],
    ['a\\b.txt'],
    ['..'],
    ['a..b'],
    ['a\u0000b'],
    ['a\u007fb'],
    ['a\u0085b'],
    ['x\u202Egpj.exe'],
    [' leading.txt'],
    [''],
    ['x'.repeat(256)],
  ])('reject the file name %j', (filename) => {
    expect(schema.safeParse({ ...declared, filename }).success).toBe(false);
  });

  it('reject other types, sizes out of range and unknown fields', () => {
    for (const change of [
      { contentType: 'text/html' },
      { contentType: 'TEXT/PLAIN' },
      { size: 0 },
      { size: limits.maxBytes + 1 },
      { size: '5' },
      { key: 'users/x' },
    ]) {
      expect(schema.safeParse({ ...declared, ...change }).success, JSON.stringify(change)).toBe(false);
    }
  });
});

describe('upload service', () => {
  it('records a PENDING upload owned by the caller and signs a POST for its exact key, type and size', async () => {
    const { service, uploads, storage } = setup();
    const created = await service.create(alice, declared);
    expect(created).toMatchObject({ id: '00000000-0000-4000-8000-000000000000', status: 'PENDING', ...declared });
    expect(storage.posts).toEqual([
      { key: `users/alice/uploads/${created.id}`, contentType: 'text/plain', size: 5, expiresSeconds: 300 },
    ]);
    const record = await uploads.get('alice', created.id);
    expect(record).toMatchObject({ sub: 'alice', status: 'PENDING' });
    // Forgotten with the object after a day when nobody completes it.
    expect(record?.expiresAt).toBe(Date.parse('2026-11-25T12:00:00Z') / 1000);
  });

  it('forgets an upload nobody completed once its abandonment delay has passed, by the injected clock', async () => {
    const { service, clock } = setup();
    const { id, post } = await service.create(alice, declared);
    expect(post.expiresAt).toBe('2026-11-24T12:05:00.000Z');
    clock.advance(24 * 3600 * 1000 - 1000);
    expect((await service.get(alice, id)).status).toBe('PENDING');
    clock.advance(1000);
    await expect(service.get(alice, id)).rejects.toBeInstanceOf(NotFoundError);
  });

  it('refuses a sub that could act as a path in object keys', async () => {
    const { service } = setup();
    await expect(service.create(caller('a/b'), declared)).rejects.toThrow('This account cannot own uploads.');
  });

  it("refuses to complete when the owner's monthly model tokens are used up: 429, nothing starts", async () => {
    const { service, storage, ingestion, uploads, usage, clock } = setup();
    const { id } = await service.create(alice, declared);
    storage.put(uploadKey('alice', id), 'hello', 'text/plain');
    await usage.addTokens('alice', monthWindow(clock()), DEFAULT_PLAN_LIMITS.free.chatTokensPerMonth);
    await expect(service.complete(alice, id, 'request-1')).rejects.toMatchObject({
      status: 429,
      extensions: { plan: 'free' },
    });
    expect(ingestion.calls).toBe(0);
    expect(await uploads.get('alice', id)).toMatchObject({ status: 'PENDING' });
    // Another owner's quota is not this one's.
    const other = await service.create(bob, declared);
    storage.put(uploadKey('bob', other.id), 'hello', 'text/plain');
    await expect(service.complete(bob, other.id, 'request-1')).resolves.toMatchObject({ ingestion: 'STARTED' });
  });

  it('completes: checks the object, marks it UPLOADED, starts one execution named after the upload', async () => {
    const { service, storage, ingestion, uploads } = setup();
    const { id } = await service.create(alice, declared);
    storage.put(uploadKey('alice', id), 'hello', 'text/plain');
    const first = await service.complete(alice, id, 'request-1');
    expect(first).toEqual({ id, status: 'UPLOADED', ingestion: 'STARTED', correlationId: 'request-1' });
    const record = await uploads.get('alice', id);
    expect(record).toMatchObject({
      status: 'UPLOADED',
      correlationId: 'request-1',
      executionArn: expect.stringMatching(new RegExp(`:execution:ingestion:${id}$`)),
    });
    // The ARN (account, stage, state machine) stays inside: no answer carries it.
    expect(JSON.stringify(first)).not.toMatch(/arn:/);
    expect(JSON.stringify(await service.get(alice, id))).not.toMatch(/arn:/);
    expect(await service.get(alice, id)).toMatchObject({ ingestion: 'STARTED', correlationId: 'request-1' });
    expect(record?.expiresAt).toBeUndefined();
    // A repeat from another request reports the execution the first one started, with the first one's id.
    expect(await service.complete(alice, id, 'request-2')).toEqual(first);
    expect(ingestion.calls).toBe(1);
    expect([...ingestion.executions.keys()]).toEqual([id]);
    expect(ingestion.executions.get(id)?.correlationId).toBe('request-1');
  });

  it('answers 409 when nothing was uploaded, and 404 for an unknown or foreign id', async () => {
    const { service } = setup();
    const { id } = await service.create(alice, declared);
    await expect(service.complete(alice, id, 'request-1')).rejects.toBeInstanceOf(ConflictError);
    await expect(service.complete(bob, id, 'request-1')).rejects.toBeInstanceOf(NotFoundError);
    await expect(service.get(bob, id)).rejects.toBeInstanceOf(NotFoundError);
    await expect(service.get(alice, '00000000-0000-4000-8000-00000000dead')).rejects.toBeInstanceOf(NotFoundError);
  });

  it('deletes an object that differs from its declaration and answers 422, leaving the upload PENDING', async () => {
    const { service, storage, uploads, ingestion } = setup();
    for (const [body, type] of [
      ['hello world', 'text/plain'],
      ['hello', 'application/json'],
      ['hello', undefined],
    ] as const) {
      const { id } = await service.create(alice, declared);
      storage.put(uploadKey('alice', id), body, type);
      const error = await service.complete(alice, id, 'request-1').catch((e: unknown) => e);
      expect(error).toBeInstanceOf(UnprocessableError);
      expect(storage.objects.has(uploadKey('alice', id))).toBe(false);
      expect((await uploads.get('alice', id))?.status).toBe('PENDING');
    }
    expect(ingestion.calls).toBe(0);
  });

  it('resumes a completion whose workflow start failed, without a second execution', async () => {
    const { service, storage, ingestion, uploads } = setup();
    const { id } = await service.create(alice, declared);
    storage.put(uploadKey('alice', id), 'hello', 'text/plain');
    const start = ingestion.start;
    ingestion.start = async () => {
      throw new ServiceUnavailableError('throttled');
    };
    await expect(service.complete(alice, id, 'request-1')).rejects.toBeInstanceOf(ServiceUnavailableError);
    expect((await uploads.get('alice', id))?.status).toBe('UPLOADED');
    ingestion.start = start;
    const resumed = await service.complete(alice, id, 'request-1');
    expect(resumed.status).toBe('UPLOADED');
    expect(ingestion.executions.size).toBe(1);
  });

  it("lists only the caller's READY documents", async () => {
    const { service, uploads, clock } = setup();
    const { id } = await service.create(alice, declared);
    await service.create(alice, declared);
    await uploads.update('alice', id, {
      from: ['PENDING'],
      set: {
        status: 'READY',
        summary: 'S',
        readyAt: '2026-11-24T12:01:00.000Z',
        gsi1pk: 'DOCS#alice',
        gsi1sk: `x#${id}`,
      },
      now: clock(),
    });
    expect((await service.listDocuments(alice, { limit: 10 })).items.map((d) => d.id)).toEqual([id]);
    expect((await service.listDocuments(bob, { limit: 10 })).items).toEqual([]);
  });
});

describe('stranded uploads', () => {
  /** A clock the test moves, shared by the service and its fakes. */
  function clocked() {
    const clock = manualClock();
    const uploads = memoryUploads(clock);
    const storage = memoryStorage(clock);
    const service = createUploadService({
      uploads,
      storage,
      ingestion: memoryStarter(),
      limits,
      users: { get: async () => ({ plan: 'free' }) },
      quota: createChatQuota({ store: memoryUsage(), plans: DEFAULT_PLAN_LIMITS, now: clock }),
      newId: () => '00000000-0000-4000-8000-0000000000aa',
      now: clock,
    });
    const advance = (seconds: number) => {
      clock.advance(seconds * 1000);
      return clock();
    };
    return { uploads, storage, service, clock, advance };
  }

  async function processing() {
    const setup = clocked();
    const { id } = await setup.service.create(alice, declared);
    setup.storage.put(uploadKey('alice', id), 'hello', 'text/plain');
    await setup.service.complete(alice, id, 'request-1');
    // What the Validate step writes; then the workflow stops without recording an outcome (timed out, or MarkFailed
    // itself exhausted its retries).
    await setup.uploads.update('alice', id, { from: ['UPLOADED'], set: { status: 'PROCESSING' }, now: setup.clock() });
    return { ...setup, id };
  }

  it('leaves an upload PROCESSING while its execution may still be running', async () => {
    const { service, advance, id } = await processing();
    advance(INGESTION_STRANDED_AFTER_SECONDS - 60);
    expect(await service.get(alice, id)).toMatchObject({ status: 'PROCESSING' });
  });

  it('marks it FAILED on the first read once no execution can move it, and says why', async () => {
    const { service, advance, uploads, id } = await processing();
    advance(INGESTION_STRANDED_AFTER_SECONDS + 60);
    expect(await service.get(alice, id)).toMatchObject({ status: 'FAILED', error: STRANDED_REASON });
    expect(await uploads.get('alice', id)).toMatchObject({ status: 'FAILED', error: STRANDED_REASON });
    // Completing again changes nothing: the same (failed) execution, no second one.
    expect(await service.complete(alice, id, 'request-1')).toMatchObject({ status: 'FAILED' });
  });

  it('lets a step that wrote in the meantime win', async () => {
    const { service, advance, uploads, id } = await processing();
    const at = advance(INGESTION_STRANDED_AFTER_SECONDS + 60);
    const stale = await uploads.get('alice', id);
    // A step still running wrote after the read (same status, a new updatedAt)...
    await uploads.update('alice', id, { from: ['PROCESSING'], set: { summary: 'Late.' }, now: at });
    // ...so the conditional write (updatedAt unchanged since the read) refuses to fail the upload under it.
    const real = uploads.get.bind(uploads);
    let first = true;
    uploads.get = async (sub, upload) => {
      if (first) {
        first = false;
        return stale;
      }
      return real(sub, upload);
    };
    expect(await service.get(alice, id)).toMatchObject({ status: 'PROCESSING', summary: 'Late.' });
  });
});
