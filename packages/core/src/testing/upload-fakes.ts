import { createHash } from 'node:crypto';
import type { Clock } from '../clock';
import { isExpired } from '../data/dynamo';
import { indexKeys } from '../data/keys';
import { ConflictError } from '../errors';
import type { DocumentHit, UploadRecord, UploadsRepository } from '../uploads/aws/repository';
import type { ObjectInfo, PresignedPost, UploadStorage } from '../uploads/aws/storage';
import { DEFAULT_MAX_UPLOAD_BYTES } from '../uploads/config';
import { ObjectChangedError } from '../uploads/object-changed';
import { createUploadRequestSchema } from '../uploads/schema';
import type { UploadService } from '../uploads/service';
import type { IngestionStarter } from '../workflows/aws/starter';

/** What S3 gives a single-part upload: the quoted MD5 of its bytes. */
const etagOf = (body: Uint8Array) => `"${createHash('md5').update(body).digest('hex')}"`;

/**
 * In-memory stand-ins for the uploads table, the bucket and Step Functions, with the same contracts (conditional
 * updates, owner-keyed reads, sparse documents listing), for tests that need no emulator.
 */

type Stored = UploadRecord & { search?: string; gsi1pk?: string; gsi1sk?: string };

/** `clock` must be the one the code under test reads: expiry is judged by it. */
export function memoryUploads(clock: Clock): UploadsRepository & { items: Map<string, Stored> } {
  const items = new Map<string, Stored>();
  const key = (sub: string, id: string) => `${sub}|${id}`;
  const documents = (sub: string) =>
    [...items.values()]
      .filter((item) => item.gsi1pk === indexKeys.documentsPartition(sub))
      .sort((a, b) => String(b.gsi1sk).localeCompare(String(a.gsi1sk)));
  return {
    items,
    async create(record) {
      if (items.has(key(record.sub, record.id))) throw new ConflictError('exists');
      items.set(key(record.sub, record.id), structuredClone(record));
    },
    async get(sub, id) {
      const item = items.get(key(sub, id));
      return item && !isExpired(item, clock()) ? structuredClone(item) : null;
    },
    async update(sub, id, { from, set, remove = [], now, unchangedSince }) {
      const item = items.get(key(sub, id));
      if (!item || !from.includes(item.status)) return null;
      if (unchangedSince !== undefined && item.updatedAt !== unchangedSince) return null;
      const updated: Stored = { ...item, ...set, updatedAt: new Date(now).toISOString() };
      for (const name of remove) delete updated[name];
      items.set(key(sub, id), updated);
      return structuredClone(updated);
    },
    async listDocuments(sub, { limit, cursor }) {
      const all = documents(sub);
      const start = cursor ? Number(cursor) : 0;
      const page = all.slice(start, start + limit);
      return { items: page, nextCursor: start + limit < all.length ? String(start + limit) : null };
    },
    async searchDocuments(sub, { words, limit }) {
      return documents(sub)
        .filter((item) => words.every((word) => item.search?.includes(word)))
        .slice(0, limit)
        .map(
          (item): DocumentHit => ({
            id: item.id,
            filename: item.filename,
            summary: item.summary ?? '',
            excerpt: item.excerpt ?? '',
          }),
        );
    },
  };
}

export interface MemoryObject {
  body: Uint8Array;
  contentType: string | undefined;
  tags: Record<string, string>;
}

export function memoryStorage(
  clock: Clock,
  bucket = 'uploads-bucket',
): UploadStorage & {
  objects: Map<string, MemoryObject>;
  put(key: string, body: string | Uint8Array, contentType?: string): void;
  posts: { key: string; contentType: string; size: number; expiresSeconds: number }[];
} {
  const objects = new Map<string, MemoryObject>();
  const posts: { key: string; contentType: string; size: number; expiresSeconds: number }[] = [];
  const bytes = (body: string | Uint8Array) => (typeof body === 'string' ? new TextEncoder().encode(body) : body);
  return {
    bucket,
    objects,
    posts,
    put(key, body, contentType) {
      objects.set(key, { body: bytes(body), contentType, tags: { 'toolgate-upload': 'pending' } });
    },
    async presignPost(input): Promise<PresignedPost> {
      posts.push(input);
      return {
        url: `https://${bucket}.s3.amazonaws.com/`,
        fields: { key: input.key, 'Content-Type': input.contentType },
        expiresAt: new Date(clock() + input.expiresSeconds * 1000).toISOString(),
      };
    },
    async head(key): Promise<ObjectInfo | null> {
      const object = objects.get(key);
      return object ? { size: object.body.length, contentType: object.contentType, etag: etagOf(object.body) } : null;
    },
    async delete(key) {
      objects.delete(key);
    },
    async claim(key) {
      const object = objects.get(key);
      if (object) object.tags['toolgate-upload'] = 'claimed';
    },
    async read(key, maxBytes, options = {}) {
      const object = objects.get(key);
      if (!object) return null;
      if (options.ifMatch !== undefined && options.ifMatch !== etagOf(object.body)) {
        throw new ObjectChangedError(`${key} changed since it was checked`);
      }
      return maxBytes === undefined ? object.body : object.body.subarray(0, maxBytes);
    },
    async writeText(key, text) {
      objects.set(key, { body: bytes(text), contentType: 'text/plain; charset=utf-8', tags: {} });
    },
  };
}

/** Records starts; like Step Functions, one execution per name. */
export function memoryStarter(stateMachineArn = 'arn:aws:states:us-east-1:000000000000:stateMachine:ingestion') {
  const executions = new Map<string, { uploadId: string; sub: string; correlationId: string }>();
  const starter: IngestionStarter & { executions: typeof executions; calls: number } = {
    executions,
    calls: 0,
    async start(input) {
      starter.calls++;
      const started = !executions.has(input.uploadId);
      if (started) executions.set(input.uploadId, { ...input });
      return {
        executionArn: `${stateMachineArn.replace(':stateMachine:', ':execution:')}:${input.uploadId}`,
        started,
      };
    },
  };
  return starter;
}

/** For apps whose tests are about something else: the upload routes exist, and any call to them fails loudly. */
export function unusedUploadService(): UploadService {
  const unused = () => Promise.reject(new Error('the upload service is not used by this test'));
  return {
    requestSchema: createUploadRequestSchema(DEFAULT_MAX_UPLOAD_BYTES),
    create: unused,
    complete: unused,
    get: unused,
    listDocuments: unused,
  };
}
