import { describe, expect, it } from 'vitest';
import { catalogTools } from '../catalog/tools';
import { UnreadableDataError } from '../errors';
import { DEFAULT_PLAN_LIMITS } from '../limits/plans';
import { createChatQuota } from '../limits/rate-limiter';
import { caller, memoryCatalog, memoryUsage } from '../testing/agent-fakes';
import { memoryDocumentClient, unreadableConversationItem } from '../testing/document-fakes';
import { ToolRegistry } from '../tools/registry';
import { createConversationsRepository } from './aws/conversations';
import { createChatService } from './chat';
import { createDevProvider } from './providers/dev';

const NOW = Date.parse('2026-03-02T10:00:00Z');
const ID = '6f1d7a52-3c1e-4b7a-9d55-0f3a2b1c4d5e';
const SUB = 'user-a';

/** A stored history the schema refuses, not yet expired by the test's clock. */
const unreadableItem = { ...unreadableConversationItem(SUB, ID), expiresAt: Math.floor(NOW / 1000) + 86_400 };

function setup() {
  const doc = memoryDocumentClient();
  doc.items.set(`${unreadableItem.pk}|${unreadableItem.sk}`, structuredClone(unreadableItem));
  const conversations = createConversationsRepository(doc.client, 'table', { ttlDays: 30, clock: () => NOW });
  return { doc, conversations };
}

describe('conversation storage: a history that does not parse', () => {
  it('is answered with a 500 that says so, and kept: a new message does not replace it', async () => {
    const { doc, conversations } = setup();
    const error = await conversations.get(SUB, ID).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UnreadableDataError);
    expect(error).toMatchObject({
      status: 500,
      detail: "This conversation's stored history cannot be read; it is kept as it was. Start a new conversation.",
    });

    const usage = memoryUsage();
    const chat = createChatService({
      provider: createDevProvider(),
      registry: new ToolRegistry(catalogTools(memoryCatalog())),
      conversations,
      users: { get: async (sub) => ({ sub, plan: 'free' }) },
      quota: createChatQuota({ store: usage, plans: DEFAULT_PLAN_LIMITS, now: () => NOW }),
      agent: { stepCap: 4, maxOutputTokens: 256 },
      now: () => NOW,
    });
    await expect(
      chat.chat({ caller: caller(SUB), message: 'and the A10G?', conversationId: ID, deadlineAt: NOW + 10_000 }),
    ).rejects.toBeInstanceOf(UnreadableDataError);
    await expect(chat.conversation(caller(SUB), ID)).rejects.toBeInstanceOf(UnreadableDataError);

    expect(doc.sent).not.toContain('Put');
    expect(doc.items.get(`${unreadableItem.pk}|${unreadableItem.sk}`)).toEqual(unreadableItem);
  });

  it('is never written: a save that could not be read back is refused, and the stored history stays', async () => {
    const { doc, conversations } = setup();
    const readable = { ...unreadableItem, messages: unreadableItem.messages.slice(0, 1), version: 1 };
    doc.items.set(`${readable.pk}|${readable.sk}`, structuredClone(readable));
    const stored = await conversations.get(SUB, ID);

    const error = await conversations
      .save(SUB, { ...(stored as NonNullable<typeof stored>), messages: unreadableItem.messages as never }, 1)
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UnreadableDataError);
    expect((error as UnreadableDataError).detail).toBe(
      'The reply could not be stored; the conversation is kept as it was before this message.',
    );
    expect(doc.sent).toEqual(['Get']);
    expect(doc.items.get(`${readable.pk}|${readable.sk}`)).toEqual(readable);
  });
});
