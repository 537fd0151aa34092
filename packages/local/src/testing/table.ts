import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, ScanCommand } from '@aws-sdk/lib-dynamodb';
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
export async function scanTable(location: TableLocation): Promise<Record<string, unknown>[]> {
  const doc = DynamoDBDocumentClient.from(
    new DynamoDBClient({ region: location.region, endpoint: location.endpoint, credentials: LOCAL_CREDENTIALS }),
  );
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
