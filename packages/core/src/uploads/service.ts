import { randomUUID } from 'node:crypto';
import type { Caller } from '../auth/verifier';
import { type Clock, systemClock } from '../clock';
import { nowSeconds } from '../data/dynamo';
import { BadRequestError, ConflictError, NotFoundError, UnprocessableError } from '../errors';
import type { ChatQuota, PlanLookup } from '../limits/rate-limiter';
import { UPLOADS_BUCKET } from '../resources';
import type { IngestionStarter } from '../workflows/aws/starter';
import { INGESTION_STRANDED_AFTER_SECONDS } from '../workflows/ingestion';
import type { UploadRecord, UploadsRepository } from './aws/repository';
import type { ObjectInfo, UploadStorage } from './aws/storage';
import type { UploadsConfig } from './config';
import { uploadKey } from './keys';
import {
  type CompletedUpload,
  type CreatedUpload,
  createUploadRequestSchema,
  type DocumentsPage,
  type DocumentsQuery,
  type UploadRequest,
  type UploadView,
} from './schema';

export interface UploadServiceDeps {
  uploads: UploadsRepository;
  storage: UploadStorage;
  ingestion: IngestionStarter;
  limits: UploadsConfig;
  /** The owner's plan, for the token quota that the ingestion's summary (a model call) is charged to. */
  users: PlanLookup;
  quota: Pick<ChatQuota, 'assertAvailable'>;
  newId?: () => string;
  now?: Clock;
}

export interface UploadService {
  /** The `POST /uploads` body schema, bounded by the configured maximum size. */
  readonly requestSchema: ReturnType<typeof createUploadRequestSchema>;
  create(caller: Caller, request: UploadRequest): Promise<CreatedUpload>;
  /** `correlationId`: the gateway request id of this call, carried by the ingestion it starts (see correlation.ts). */
  complete(caller: Caller, id: string, correlationId: string): Promise<CompletedUpload>;
  get(caller: Caller, id: string): Promise<UploadView>;
  listDocuments(caller: Caller, query: DocumentsQuery): Promise<DocumentsPage>;
}

/** A `sub` ends up in object keys; one that could act as a path (or hide in a log line) never owns an upload. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point
const UNUSABLE_SUB = /[/\\\u0000-\u001f\u007f]|^\.{1,2}$/;

export function toUploadView(record: UploadRecord): UploadView {
  return {
    id: record.id,
    filename: record.filename,
    contentType: record.contentType,
    size: record.size,
    status: record.status,
    createdAt: record.createdAt,
    updatedAt: record.updatedAt,
    ingestion: record.executionArn ? 'STARTED' : 'NOT_STARTED',
    ...(record.summary !== undefined ? { summary: record.summary } : {}),
    ...(record.error !== undefined ? { error: record.error } : {}),
    ...(record.correlationId !== undefined ? { correlationId: record.correlationId } : {}),
  };
}

/** How an uploaded object differs from its declaration (empty when it matches). */
export function objectMismatches(
  declared: Pick<UploadRecord, 'size' | 'contentType'>,
  object: ObjectInfo,
  maxBytes: number,
): string[] {
  const problems: string[] = [];
  if (object.size !== declared.size) problems.push(`size is ${object.size} bytes, declared ${declared.size}`);
  if (object.size > maxBytes) problems.push(`size is over the maximum of ${maxBytes} bytes`);
  const contentType = object.contentType?.trim().toLowerCase();
  if (contentType !== declared.contentType) {
    problems.push(`content type is ${contentType ?? 'missing'}, declared ${declared.contentType}`);
  }
  return problems;
}

const notFound = (id: string) => new NotFoundError(`No upload ${id}.`);

/** What a stranded upload (see `INGESTION_STRANDED_AFTER_SECONDS`) shows its owner once it is marked FAILED. */
export const STRANDED_REASON =
  'Processing stopped without recording its outcome (it timed out or could not be retried). Upload the document again.';

/** True when no ingestion execution can still move this upload: it was started, and nothing wrote it since. */
export function isStranded(record: UploadRecord, now: number): boolean {
  if (record.status !== 'UPLOADED' && record.status !== 'PROCESSING') return false;
  if (!record.executionArn) return false;
  return now - Date.parse(record.updatedAt) > INGESTION_STRANDED_AFTER_SECONDS * 1000;
}

export function createUploadService(deps: UploadServiceDeps): UploadService {
  const { uploads, storage, ingestion, limits, users, quota } = deps;
  if (!users || !quota) throw new Error('upload service: a plan lookup and the token quota are required');
  const newId = deps.newId ?? randomUUID;
  const now = deps.now ?? systemClock;

  /** Only ever the caller's own upload: the key starts from the verified sub, so a foreign id is simply absent. */
  async function own(caller: Caller, id: string): Promise<UploadRecord> {
    const record = await uploads.get(caller.sub, id);
    if (!record) throw notFound(id);
    return heal(record);
  }

  /**
   * Self-healing read: an upload whose workflow can no longer record an outcome is marked FAILED the first time it
   * is read, so it never stays PROCESSING. Conditional on `updatedAt`: a step that wrote meanwhile wins.
   */
  async function heal(record: UploadRecord): Promise<UploadRecord> {
    const at = now();
    if (!isStranded(record, at)) return record;
    const failed = await uploads.update(record.sub, record.id, {
      from: ['UPLOADED', 'PROCESSING'],
      set: { status: 'FAILED', error: STRANDED_REASON },
      unchangedSince: record.updatedAt,
      now: at,
    });
    return failed ?? (await uploads.get(record.sub, record.id)) ?? record;
  }

  return {
    requestSchema: createUploadRequestSchema(limits.maxBytes),

    async create(caller, request) {
      if (UNUSABLE_SUB.test(caller.sub)) throw new BadRequestError('This account cannot own uploads.');
      const id = newId();
      const at = now();
      const post = await storage.presignPost({
        key: uploadKey(caller.sub, id),
        contentType: request.contentType,
        size: request.size,
        expiresSeconds: limits.presignExpirySeconds,
      });
      const record: UploadRecord = {
        id,
        sub: caller.sub,
        filename: request.filename,
        contentType: request.contentType,
        size: request.size,
        status: 'PENDING',
        createdAt: new Date(at).toISOString(),
        updatedAt: new Date(at).toISOString(),
        // An upload nobody completes is forgotten with its object (the bucket's lifecycle rule, same delay).
        expiresAt: nowSeconds(at) + UPLOADS_BUCKET.abandonedUploadDays * 24 * 3600,
      };
      await uploads.create(record);
      return { ...toUploadView(record), post };
    },

    async complete(caller, id, correlationId) {
      let record = await own(caller, id);
      // Completing starts the ingestion, whose summary is a model call charged to the owner's monthly tokens: with
      // none left, nothing starts (429, as for a chat or a job). A completion already started is only reported.
      if (!record.executionArn) {
        const { plan } = await users.get(caller.sub);
        await quota.assertAvailable(caller.sub, plan);
      }
      if (record.status === 'PENDING') {
        const key = uploadKey(caller.sub, id);
        const object = await storage.head(key);
        if (!object) {
          throw new ConflictError(
            `Nothing has been uploaded for ${id} yet: POST the file to the presigned URL with the returned fields, ` +
              'then complete the upload.',
          );
        }
        // The POST policy is not the only way to write a key (a leaked credential, a misconfigured bucket): trust only
        // what HeadObject says is there.
        const problems = objectMismatches(record, object, limits.maxBytes);
        if (problems.length > 0) {
          await storage.delete(key);
          throw new UnprocessableError(
            `The uploaded file does not match its declaration (${problems.join('; ')}). It has been deleted; ` +
              'upload the declared file, or request a new upload.',
            { extensions: { mismatches: problems } },
          );
        }
        const uploaded = await uploads.update(caller.sub, id, {
          from: ['PENDING'],
          set: { status: 'UPLOADED' },
          remove: ['expiresAt'],
          now: now(),
        });
        // null: a concurrent complete got there first; carry on from the state it left.
        record = uploaded ?? (await own(caller, id));
      }
      const startedBy = (record: UploadRecord) =>
        record.correlationId !== undefined ? { correlationId: record.correlationId } : {};
      if (record.executionArn) return { id, status: record.status, ingestion: 'STARTED', ...startedBy(record) };
      // Named after the upload: a repeat (this call retried, or a concurrent one) gets the same execution. Only the
      // call whose StartExecution created it records its request id: that is the id the execution carries.
      const { executionArn, started } = await ingestion.start({ uploadId: id, sub: caller.sub, correlationId });
      const updated = await uploads.update(caller.sub, id, {
        from: ['UPLOADED', 'PROCESSING', 'READY', 'FAILED'],
        set: { executionArn, ...(started ? { correlationId } : {}) },
        now: now(),
      });
      return { id, status: (updated ?? record).status, ingestion: 'STARTED', ...startedBy(updated ?? record) };
    },

    async get(caller, id) {
      return toUploadView(await own(caller, id));
    },

    async listDocuments(caller, query) {
      const page = await uploads.listDocuments(caller.sub, query);
      return {
        items: page.items.map((record) => ({
          id: record.id,
          filename: record.filename,
          contentType: record.contentType,
          size: record.size,
          summary: record.summary ?? '',
          createdAt: record.createdAt,
          readyAt: record.readyAt ?? record.updatedAt,
        })),
        nextCursor: page.nextCursor,
      };
    },
  };
}
