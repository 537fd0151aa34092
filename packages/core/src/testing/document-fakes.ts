import { type DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { keys } from '../data/keys';

type Item = Record<string, unknown>;

/**
 * A DynamoDB document client over a Map, for repositories that use single-item Get and Put with the two conditions
 * this codebase writes (`attribute_not_exists(pk)`, `#version = :expected`). Unit tests see exactly what was stored
 * and what was sent; the real DynamoDB behaviour is exercised against dynalite in tests/.
 */
export function memoryDocumentClient() {
  const items = new Map<string, Item>();
  const sent: ('Get' | 'Put')[] = [];
  const keyOf = (key: Item | undefined) => `${String(key?.pk)}|${String(key?.sk)}`;
  const conditionFailed = () =>
    Object.assign(new Error('The conditional request failed'), { name: 'ConditionalCheckFailedException' });

  async function send(command: unknown): Promise<unknown> {
    if (command instanceof GetCommand) {
      sent.push('Get');
      const item = items.get(keyOf(command.input.Key));
      return { Item: item && structuredClone(item) };
    }
    if (command instanceof PutCommand) {
      sent.push('Put');
      const { Item: item, ConditionExpression: condition, ExpressionAttributeValues: values } = command.input;
      const key = keyOf(item);
      const existing = items.get(key);
      if (condition === 'attribute_not_exists(pk)') {
        if (existing) throw conditionFailed();
      } else if (condition === '#version = :expected') {
        if (existing?.version !== values?.[':expected']) throw conditionFailed();
      } else if (condition !== undefined) {
        throw new Error(`memoryDocumentClient: condition ${condition} is not supported`);
      }
      items.set(key, structuredClone(item ?? {}));
      return {};
    }
    throw new Error(`memoryDocumentClient: ${(command as object)?.constructor?.name} is not supported`);
  }

  return { client: { send } as unknown as DynamoDBDocumentClient, items, sent };
}

/**
 * A conversation item as the OpenAI-compatible provider once stored it (LM Studio sends `"id": ""` for tool calls):
 * a history the stored-message schema refuses, for the tests that it is answered with a 500 and never overwritten.
 */
export function unreadableConversationItem(sub: string, id: string) {
  return {
    ...keys.conversation(sub, id),
    conversationId: id,
    createdAt: '2026-03-01T09:00:00.000Z',
    updatedAt: '2026-03-01T09:01:00.000Z',
    messages: [
      { role: 'user', content: 'Price of gpu-l4-hour?' },
      { role: 'assistant', content: '', toolCalls: [{ id: '', name: 'catalog_get', input: { id: 'gpu-l4-hour' } }] },
      { role: 'tool', toolCallId: '', name: 'catalog_get', content: '{"priceCents":80}' },
      { role: 'assistant', content: 'The L4 costs $0.80 per hour.' },
    ],
    version: 3,
  };
}
