import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, ScanCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { LOCAL_CREDENTIALS } from '../local-env';

export interface TableLocation {
  /** The emulator's endpoint (`runtime.endpoints.dynamodb`). */
  endpoint: string;
  region: string;
  tableName: string;
}

/**
 * Every item of the local table, for tests that must prove what was (or was not) written — e.g. that a rejected
 * webhook left no trace. Scans the emulator only: the credentials are the local dummies.
 */
function localDoc(location: TableLocation): DynamoDBDocumentClient {
  return DynamoDBDocumentClient.from(
    new DynamoDBClient({ region: location.region, endpoint: location.endpoint, credentials: LOCAL_CREDENTIALS }),
  );
}

/**
 * Overwrites attributes of an existing item in the local table, for tests that stand in for what only time would do
 * (an item's `updatedAt` half an hour in the past).
 */
export async function setAttributes(
  location: TableLocation,
  key: { pk: string; sk: string },
  values: Record<string, unknown>,
): Promise<void> {
  const doc = localDoc(location);
  const names = Object.keys(values);
  try {
    await doc.send(
      new UpdateCommand({
        TableName: location.tableName,
        Key: key,
        UpdateExpression: `SET ${names.map((_, index) => `#a${index} = :v${index}`).join(', ')}`,
        ConditionExpression: 'attribute_exists(pk)',
        ExpressionAttributeNames: Object.fromEntries(names.map((name, index) => [`#a${index}`, name])),
        ExpressionAttributeValues: Object.fromEntries(names.map((name, index) => [`:v${index}`, values[name]])),
      }),
    );
  } finally {
    doc.destroy();
  }
}

export async function scanTable(location: TableLocation): Promise<Record<string, unknown>[]> {
  const doc = localDoc(location);
  try {
    const items: Record<string, unknown>[] = [];
    let startKey: Record<string, unknown> | undefined;
    do {
      const page = await doc.send(
        new ScanCommand({ TableName: location.tableName, ConsistentRead: true, ExclusiveStartKey: startKey }),
      );
      items.push(...(page.Items ?? []));
      startKey = page.LastEvaluatedKey;
    } while (startKey);
    return items;
  } finally {
    doc.destroy();
  }
}
