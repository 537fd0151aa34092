import { type DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { type Clock, systemClock } from '../../clock';
import { conditional, conditionFields, equals, itemAbsent } from '../../data/conditional';
import { isExpired, nowSeconds } from '../../data/dynamo';
import { keys } from '../../data/keys';
import { ConflictError, UnreadableDataError } from '../../errors';
import * as z from '../../zod';
import { type ChatMessage, ChatMessageSchema } from '../provider';
import type { Conversation } from '../schema';

const StoredMessagesSchema = z.array(ChatMessageSchema);

/**
 * Conversations live under the caller's partition: pk = USER#<sub>, sk = CONV#<id>. The key is built from the
 * verified `sub`, so another user's conversation id simply finds nothing (404), never someone else's data.
 * One item per conversation, written with a version check so that two concurrent messages cannot overwrite each
 * other (the second gets 409 and can resend).
 */
const key = keys.conversation;

/** DynamoDB items are at most 400 KB; the stored history keeps well under it. */
const MAX_STORED_BYTES = 300_000;
const MAX_STORED_MESSAGES = 60;

/** The issues name the fields that failed (for the log); zod does not copy their values, which are the user's. */
function unreadable(detail: string, id: string, issues: z.core.$ZodError): UnreadableDataError {
  return new UnreadableDataError(detail, {
    cause: new Error(`conversation ${id}: messages do not match the stored-message schema`, { cause: issues }),
  });
}

export interface StoredConversation extends Conversation {
  version: number;
}

export interface ConversationsRepository {
  get(sub: string, id: string): Promise<StoredConversation | null>;
  /** Writes the conversation if its stored version is still `expectedVersion` (null: it must not exist yet). */
  save(sub: string, conversation: Conversation, expectedVersion: number | null): Promise<StoredConversation>;
}

/**
 * Drops the oldest turns (whole turns, starting at a user message, so no tool result loses its tool call) until
 * the history fits the item.
 */
export function trimHistory(messages: readonly ChatMessage[]): ChatMessage[] {
  let start = 0;
  const size = (from: number) => Buffer.byteLength(JSON.stringify(messages.slice(from)));
  while (start < messages.length && (messages.length - start > MAX_STORED_MESSAGES || size(start) > MAX_STORED_BYTES)) {
    start++;
    while (start < messages.length && messages[start]?.role !== 'user') start++;
  }
  return messages.slice(start);
}

export function createConversationsRepository(
  doc: DynamoDBDocumentClient,
  tableName: string,
  options: { ttlDays: number; clock?: Clock },
): ConversationsRepository {
  const clock = options.clock ?? systemClock;
  return {
    async get(sub, id) {
      const { Item } = await doc.send(
        new GetCommand({ TableName: tableName, Key: key(sub, id), ConsistentRead: true }),
      );
      if (!Item || isExpired(Item, clock())) return null;
      const messages = StoredMessagesSchema.safeParse(Item.messages);
      // Reading it as empty would let the next message save over the whole history: the caller gets an error instead.
      if (!messages.success) {
        throw unreadable(
          "This conversation's stored history cannot be read; it is kept as it was. Start a new conversation.",
          id,
          messages.error,
        );
      }
      return {
        conversationId: id,
        createdAt: String(Item.createdAt),
        updatedAt: String(Item.updatedAt),
        messages: messages.data,
        version: Number(Item.version ?? 0),
      };
    },

    async save(sub, conversation, expectedVersion) {
      const version = (expectedVersion ?? 0) + 1;
      const messages = trimHistory(conversation.messages);
      // What `get` could not read back must not replace a history it can.
      const storable = StoredMessagesSchema.safeParse(messages);
      if (!storable.success) {
        throw unreadable(
          'The reply could not be stored; the conversation is kept as it was before this message.',
          conversation.conversationId,
          storable.error,
        );
      }
      const updatedAtMs = Date.parse(conversation.updatedAt);
      const saved = await conditional(() =>
        doc.send(
          new PutCommand({
            TableName: tableName,
            Item: {
              ...key(sub, conversation.conversationId),
              conversationId: conversation.conversationId,
              createdAt: conversation.createdAt,
              updatedAt: conversation.updatedAt,
              messages,
              version,
              expiresAt: nowSeconds(updatedAtMs) + options.ttlDays * 24 * 3600,
            },
            ...conditionFields(expectedVersion === null ? itemAbsent : equals('version', expectedVersion, 'expected')),
          }),
        ),
      );
      if (!saved) {
        throw new ConflictError('The conversation changed while this message was processed; send it again.');
      }
      return { ...conversation, messages, version };
    },
  };
}
