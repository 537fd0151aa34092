import { type DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';

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
