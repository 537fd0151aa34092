import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { type DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import { createDocumentClient } from '@toolgate/core/data/dynamo';
import { startDynamoDb } from '../emulators/dynamodb';
import { LOCAL_CREDENTIALS } from '../local-env';
import { ensureTable } from '../resources/provision';

export interface DynaliteTable {
  /** A document client made like the deployed one (`createDocumentClient`), pointed at the emulator. */
  doc: DynamoDBDocumentClient;
  tableName: string;
  stop(): Promise<void>;
}

/**
 * dynalite alone (no gateway, no queues) with the table infra deploys, for tests of the DynamoDB repositories
 * themselves (tests/repositories).
 */
export async function startDynaliteTable(tableName = 'toolgate-contract'): Promise<DynaliteTable> {
  const emulator = await startDynamoDb();
  const options = { endpoint: emulator.endpoint, region: 'us-east-1', credentials: LOCAL_CREDENTIALS };
  const admin = new DynamoDBClient(options);
  try {
    await ensureTable(admin, tableName);
  } finally {
    admin.destroy();
  }
  const doc = createDocumentClient(options);
  return {
    doc,
    tableName,
    stop: async () => {
      doc.destroy();
      await emulator.stop();
    },
  };
}

/** Writes an item as it is, for tests that start from data an older version of the code left behind. */
export async function putItem(table: DynaliteTable, item: Record<string, unknown>): Promise<void> {
  await table.doc.send(new PutCommand({ TableName: table.tableName, Item: item }));
}
