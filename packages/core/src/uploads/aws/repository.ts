import {
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { type Clock, systemClock } from '../../clock';
import { allOf, condition, conditional, conditionFields, equals, itemAbsent, itemExists } from '../../data/conditional';
import type { CursorCodec, ExclusiveStartKey } from '../../data/cursor';
import { isExpired } from '../../data/dynamo';
import { indexKeys, keys } from '../../data/keys';
import { updateFields } from '../../data/update';
import { ConflictError, ValidationError } from '../../errors';
import * as z from '../../zod';
import { UPLOAD_CONTENT_TYPES, UPLOAD_STATUSES, type UploadStatus } from '../schema';

/**
 * Uploads live in the owner's partition: pk = USER#<sub>, sk = UPLOAD#<id>, keyed by the verified `sub`, so an id
 * of another user finds nothing. The same item becomes the document once ingestion succeeds: only READY items get
 * gsi1pk = DOCS#<sub> / gsi1sk = <readyAt>#<id>, which makes gsi1 a sparse index of each user's ready documents
 * (listing and search never see half-processed uploads). Every state change is a single-item conditional update.
 */
export const uploadItemKey = keys.upload;
export const documentsPartition = indexKeys.documentsPartition;

const UploadItemSchema = z.object({
  id: z.string(),
  sub: z.string(),
  filename: z.string(),
  contentType: z.enum(UPLOAD_CONTENT_TYPES),
  size: z.number(),
  status: z.enum(UPLOAD_STATUSES),
  createdAt: z.string(),
  updatedAt: z.string(),
  expiresAt: z.optional(z.number()),
  executionArn: z.optional(z.string()),
  /** The request id of the `complete` that started the ingestion (see correlation.ts). */
  correlationId: z.optional(z.string()),
  /** The ETag of the object the validate step checked: every later read of the upload is pinned to it. */
  etag: z.optional(z.string()),
  summary: z.optional(z.string()),
  error: z.optional(z.string()),
  textChars: z.optional(z.number()),
  textTruncated: z.optional(z.boolean()),
  excerpt: z.optional(z.string()),
  readyAt: z.optional(z.string()),
});
export type UploadRecord = z.infer<typeof UploadItemSchema>;

/** Attributes a state change may set (keys and identity are never rewritten). */
export type UploadChanges = Partial<
  Pick<
    UploadRecord,
    | 'status'
    | 'executionArn'
    | 'correlationId'
    | 'etag'
    | 'summary'
    | 'error'
    | 'textChars'
    | 'textTruncated'
    | 'excerpt'
    | 'readyAt'
  > & { search: string; gsi1pk: string; gsi1sk: string }
>;

export interface UpdateOptions {
  /** The update happens only while the item is in one of these states. */
  from: readonly UploadStatus[];
  set: UploadChanges;
  remove?: readonly ('expiresAt' | 'error')[];
  /** Epoch ms of the change (`updatedAt`), from the caller's clock. */
  now: number;
  /** And only while `updatedAt` is still this value: nothing wrote the item since it was read. */
  unchangedSince?: string;
}

export interface DocumentHit {
  id: string;
  filename: string;
  summary: string;
  excerpt: string;
}

export interface UploadsRepository {
  create(record: UploadRecord): Promise<void>;
  get(sub: string, id: string): Promise<UploadRecord | null>;
  /** The updated record, or null when the item is missing or not in an allowed state. */
  update(sub: string, id: string, options: UpdateOptions): Promise<UploadRecord | null>;
  listDocuments(
    sub: string,
    page: { limit: number; cursor?: string | undefined },
  ): Promise<{
    items: UploadRecord[];
    nextCursor: string | null;
  }>;
  /** Ready documents whose text, summary or filename contain every word (case-insensitive), newest first. */
  searchDocuments(sub: string, query: { words: readonly string[]; limit: number }): Promise<DocumentHit[]>;
}

/** Page size asked of DynamoDB per search round trip, and the most round trips one search may make. */
const SEARCH_PAGE = 50;
const MAX_SEARCH_ROUND_TRIPS = 5;

/** The item exists, is in one of the `from` states and, with `unchangedSince`, was not written since it was read. */
function inState(from: readonly UploadStatus[], unchangedSince: string | undefined) {
  const status = condition(
    `#status IN (${from.map((_, index) => `:from${index}`).join(', ')})`,
    { '#status': 'status' },
    Object.fromEntries(from.map((state, index) => [`:from${index}`, state])),
  );
  return allOf(
    itemExists,
    status,
    ...(unchangedSince === undefined ? [] : [equals('updatedAt', unchangedSince, 'unchangedSince')]),
  );
}

function toRecord(item: Record<string, unknown> | undefined): UploadRecord | null {
  if (!item) return null;
  const parsed = UploadItemSchema.safeParse(item);
  return parsed.success ? parsed.data : null;
}

/** A ProjectionExpression with every attribute aliased (several names here, like `size`, are reserved words). */
function projection(attributes: readonly string[]) {
  return {
    ProjectionExpression: attributes.map((name) => `#${name}`).join(', '),
    names: Object.fromEntries(attributes.map((name) => [`#${name}`, name])),
  };
}

const LISTING = projection([
  'id',
  'sub',
  'filename',
  'contentType',
  'size',
  'status',
  'createdAt',
  'updatedAt',
  'summary',
  'readyAt',
]);
// The search text is only matched against, never returned: it is the largest attribute.
const SEARCH_RESULT = projection(['id', 'sub', 'filename', 'summary', 'excerpt']);

export function createUploadsRepository(
  doc: DynamoDBDocumentClient,
  tableName: string,
  cursors: CursorCodec,
  clock: Clock = systemClock,
): UploadsRepository {
  return {
    async create(record) {
      const created = await conditional(() =>
        doc.send(
          new PutCommand({
            TableName: tableName,
            Item: { ...uploadItemKey(record.sub, record.id), type: 'upload', ...record },
            ...conditionFields(itemAbsent),
          }),
        ),
      );
      if (!created) throw new ConflictError('An upload with this id already exists.');
    },

    async get(sub, id) {
      const { Item } = await doc.send(
        new GetCommand({ TableName: tableName, Key: uploadItemKey(sub, id), ConsistentRead: true }),
      );
      const record = toRecord(Item);
      // The key already scopes the read to `sub`; the owner check is a second lock on the same door.
      if (!record || record.sub !== sub || isExpired(record, clock())) return null;
      return record;
    },

    async update(sub, id, { from, set, remove = [], now, unchangedSince }) {
      const { UpdateExpression, names, values } = updateFields(
        { ...set, updatedAt: new Date(now).toISOString() },
        remove,
      );
      const output = await conditional(() =>
        doc.send(
          new UpdateCommand({
            TableName: tableName,
            Key: uploadItemKey(sub, id),
            UpdateExpression,
            ...conditionFields(inState(from, unchangedSince), names, values),
            ReturnValues: 'ALL_NEW',
          }),
        ),
      );
      return output ? toRecord(output.Attributes) : null;
    },

    async listDocuments(sub, { limit, cursor }) {
      // A cursor only resumes this caller's own listing: its scope names the partition, and its key must lie in it.
      const scope = `documents|${sub}`;
      const startKey = cursor ? cursors.decode(cursor, { scope, partition: documentsPartition(sub) }) : undefined;
      if (startKey && startKey.pk !== keys.userPartition(sub)) {
        throw new ValidationError([{ field: 'query.cursor', message: 'is not a cursor returned by this listing' }]);
      }
      const page = await doc.send(
        new QueryCommand({
          TableName: tableName,
          IndexName: 'gsi1',
          KeyConditionExpression: 'gsi1pk = :p',
          ExpressionAttributeValues: { ':p': documentsPartition(sub) },
          ExpressionAttributeNames: LISTING.names,
          ProjectionExpression: LISTING.ProjectionExpression,
          ScanIndexForward: false,
          Limit: limit,
          ...(startKey ? { ExclusiveStartKey: startKey } : {}),
        }),
      );
      const items = (page.Items ?? []).map(toRecord).filter((item): item is UploadRecord => item?.sub === sub);
      const last = page.LastEvaluatedKey as ExclusiveStartKey | undefined;
      return { items, nextCursor: last ? cursors.encode(scope, last) : null };
    },

    async searchDocuments(sub, { words, limit }) {
      const names: Record<string, string> = {
        ...SEARCH_RESULT.names,
        ...(words.length ? { '#search': 'search' } : {}),
      };
      const values: Record<string, unknown> = { ':p': documentsPartition(sub) };
      const filter = words
        .map((word, index) => {
          values[`:w${index}`] = word;
          return `contains(#search, :w${index})`;
        })
        .join(' AND ');
      const hits: DocumentHit[] = [];
      let startKey: Record<string, unknown> | undefined;
      for (let trip = 0; trip < MAX_SEARCH_ROUND_TRIPS && hits.length < limit; trip++) {
        const page = await doc.send(
          new QueryCommand({
            TableName: tableName,
            IndexName: 'gsi1',
            KeyConditionExpression: 'gsi1pk = :p',
            ...(filter ? { FilterExpression: filter } : {}),
            ExpressionAttributeNames: names,
            ExpressionAttributeValues: values,
            ProjectionExpression: SEARCH_RESULT.ProjectionExpression,
            ScanIndexForward: false,
            Limit: SEARCH_PAGE,
            ...(startKey ? { ExclusiveStartKey: startKey } : {}),
          }),
        );
        for (const item of page.Items ?? []) {
          if (item.sub !== sub || hits.length >= limit) continue;
          hits.push({
            id: String(item.id),
            filename: String(item.filename),
            summary: typeof item.summary === 'string' ? item.summary : '',
            excerpt: typeof item.excerpt === 'string' ? item.excerpt : '',
          });
        }
        startKey = page.LastEvaluatedKey;
        if (!startKey) break;
      }
      return hits;
    },
  };
}
