import { randomUUID } from 'node:crypto';
import type { Clock } from '@toolgate/core/clock';
import { createCursorCodec } from '@toolgate/core/data/cursor';
import { ConflictError } from '@toolgate/core/errors';
import { manualClock } from '@toolgate/core/testing/clock';
import { memoryUploads } from '@toolgate/core/testing/upload-fakes';
import {
  createUploadsRepository,
  documentsPartition,
  type UploadRecord,
  type UploadsRepository,
} from '@toolgate/core/uploads/aws/repository';
import { beforeEach, describe, expect, it } from 'vitest';
import { useDynaliteTable } from '../support/dynalite';

/**
 * The uploads repository's contract (owner-keyed reads, state-guarded updates, the sparse documents index), run
 * against the in-memory fake and against DynamoDB on dynalite alike.
 */
const table = useDynaliteTable();
const cursors = createCursorCodec('contract-tests-cursor-signing-key-0123456789');

const implementations: [string, (clock: Clock) => UploadsRepository][] = [
  ['in-memory fake', (clock) => memoryUploads(clock)],
  ['DynamoDB on dynalite', (clock) => createUploadsRepository(table().doc, table().tableName, cursors, clock)],
];

describe.each(implementations)('uploads repository: %s', (_name, create) => {
  const clock = manualClock();
  let uploads: UploadsRepository;
  const iso = () => new Date(clock()).toISOString();
  const upload = (overrides: Partial<UploadRecord> = {}): UploadRecord => ({
    id: randomUUID(),
    sub: `user-${randomUUID()}`,
    filename: 'notes.txt',
    contentType: 'text/plain',
    size: 12,
    status: 'PENDING',
    createdAt: iso(),
    updatedAt: iso(),
    expiresAt: Math.floor(clock() / 1000) + 3600,
    ...overrides,
  });
  /** What ingestion sets on an upload that became a document. */
  const ready = (record: UploadRecord, search: string) => ({
    status: 'READY' as const,
    readyAt: iso(),
    summary: `summary of ${record.filename}`,
    excerpt: 'excerpt',
    search,
    // The sparse documents index, as ingestion sets it (data/keys.ts: indexKeys.documents).
    gsi1pk: documentsPartition(record.sub),
    gsi1sk: `${iso()}#${record.id}`,
  });

  beforeEach(() => {
    clock.set(Date.UTC(2031, 4, 15, 12, 0, 0));
    uploads = create(clock);
  });

  it('creates an upload once, readable by its owner only, and gone past its TTL', async () => {
    const record = upload({ expiresAt: Math.floor(clock() / 1000) + 60 });
    await uploads.create(record);
    await expect(uploads.create(record)).rejects.toBeInstanceOf(ConflictError);
    expect(await uploads.get(record.sub, record.id)).toMatchObject({ id: record.id, status: 'PENDING' });
    expect(await uploads.get('someone-else', record.id)).toBeNull();
    clock.advance(60_000);
    expect(await uploads.get(record.sub, record.id)).toBeNull();
  });

  it('changes state only from an allowed state, and only if unchanged since it was read', async () => {
    const record = upload();
    await uploads.create(record);
    const guarded = { from: ['UPLOADED'] as const, set: { status: 'PROCESSING' as const }, now: clock() };
    expect(await uploads.update(record.sub, record.id, guarded)).toBeNull();
    expect(await uploads.update(record.sub, randomUUID(), { ...guarded, from: ['PENDING'] })).toBeNull();
    clock.advance(1_000);
    const uploaded = await uploads.update(record.sub, record.id, {
      from: ['PENDING'],
      set: { status: 'UPLOADED', etag: '"abc"' },
      remove: ['expiresAt'],
      now: clock(),
    });
    expect(uploaded).toMatchObject({ status: 'UPLOADED', etag: '"abc"', updatedAt: iso() });
    expect(uploaded?.expiresAt).toBeUndefined();
    const stale = { ...guarded, unchangedSince: record.updatedAt, now: clock() };
    expect(await uploads.update(record.sub, record.id, stale)).toBeNull();
    expect(await uploads.update(record.sub, record.id, { ...stale, unchangedSince: iso() })).toMatchObject({
      status: 'PROCESSING',
    });
  });

  it('lists and searches only ready documents, newest first, of the caller alone', async () => {
    const sub = `user-${randomUUID()}`;
    const pending = upload({ sub });
    const older = upload({ sub, filename: 'older.txt' });
    const newer = upload({ sub, filename: 'newer.txt' });
    const foreign = upload({ filename: 'foreign.txt' });
    for (const record of [pending, older, newer, foreign]) await uploads.create(record);
    await uploads.update(sub, older.id, { from: ['PENDING'], set: ready(older, 'gpu pricing older'), now: clock() });
    clock.advance(1_000);
    await uploads.update(sub, newer.id, { from: ['PENDING'], set: ready(newer, 'gpu newer'), now: clock() });
    await uploads.update(foreign.sub, foreign.id, {
      from: ['PENDING'],
      set: ready(foreign, 'gpu pricing foreign'),
      now: clock(),
    });
    const page = await uploads.listDocuments(sub, { limit: 10 });
    expect(page.items.map((item) => item.id)).toEqual([newer.id, older.id]);
    expect(page.nextCursor).toBeNull();
    expect((await uploads.searchDocuments(sub, { words: ['gpu'], limit: 10 })).map((hit) => hit.id)).toEqual([
      newer.id,
      older.id,
    ]);
    expect(await uploads.searchDocuments(sub, { words: ['gpu', 'pricing'], limit: 10 })).toEqual([
      { id: older.id, filename: 'older.txt', summary: 'summary of older.txt', excerpt: 'excerpt' },
    ]);
  });
});
