import { DEFAULT_BEDROCK_MODEL_ID } from '@toolgate/core/agent/config';
import { TIERS, type Tier } from '@toolgate/core/concurrency';
import { iamStatements } from '@toolgate/core/deploy/access';
import { describe, expect, it } from 'vitest';
import { iamRequestsFor } from './actions';
import { evaluate, type IamRequest } from './evaluate';
import { localTargets } from './index';
import { scanSource, type TierCalls, tierCalls } from './tier-commands';

/**
 * Every SDK command each tier's code imports (derived from its module graph, not listed by hand) is allowed by the
 * statements infra deploys for that tier: removing a statement or an action a tier's code needs from TIER_ACCESS
 * fails here, and a new call without a statement too. The table checks action and resource; condition blocks are
 * judged on real requests by the runtime's check (tests/).
 */

const WHERE = { region: 'us-east-1', accountId: '000000000000' };
const LOCAL = {
  stage: 'local',
  ...WHERE,
  tableName: 'toolgate-local',
  bucketName: 'toolgate-local-uploads',
  jobsQueueUrl: 'http://127.0.0.1:1/000000000000/toolgate-local-jobs',
  ingestionArn: 'arn:aws:states:us-east-1:000000000000:stateMachine:toolgate-local-ingestion',
};

/** One representative input per command: the fields its IAM mapping reads, pointing at the tier's resources. */
function sampleInputs(clientName: string, commandName: string, indexes: readonly string[]): Record<string, unknown>[] {
  const key = { pk: { S: 'USER#sub' }, sk: { S: 'PROFILE' } };
  switch (clientName) {
    case 'DynamoDBClient': {
      const table = { TableName: LOCAL.tableName, Key: key, Item: key };
      if (commandName !== 'QueryCommand' && commandName !== 'ScanCommand') return [table];
      return [table, ...indexes.map((IndexName) => ({ ...table, IndexName }))];
    }
    case 'S3Client':
      return [{ Bucket: LOCAL.bucketName, Key: 'users/sub/uploads/x', CopySource: `${LOCAL.bucketName}/users/sub/x` }];
    case 'SQSClient':
      return [{ QueueUrl: LOCAL.jobsQueueUrl, QueueName: 'toolgate-local-jobs' }];
    case 'SFNClient':
      return [
        {
          stateMachineArn: LOCAL.ingestionArn,
          executionArn: 'arn:aws:states:us-east-1:000000000000:execution:toolgate-local-ingestion:x',
        },
      ];
    case 'BedrockRuntimeClient':
      return [{ modelId: DEFAULT_BEDROCK_MODEL_ID }];
    default:
      throw new Error(`no sample input for ${clientName}`);
  }
}

/** The IAM requests a tier's code can make, with the command each comes from. */
function requestsOf(calls: TierCalls): { command: string; request: IamRequest }[] {
  return calls.commands.flatMap(({ clientName, commandName }) =>
    sampleInputs(clientName, commandName, calls.indexes).flatMap((input) =>
      iamRequestsFor(clientName, commandName, input, WHERE).map((request) => ({
        command: `${clientName} ${commandName}`,
        request,
      })),
    ),
  );
}

/**
 * Commands a tier's module graph imports but its code never sends: the derivation works per module, and these
 * modules serve two tiers. Each entry says why; an entry the code no longer imports fails below, and a tier that
 * does send one of them is denied by the runtime's check in the end-to-end suites.
 */
const IMPORTED_NOT_SENT: Partial<Record<Tier, Record<string, string>>> = {
  api: {
    'SQSClient ChangeMessageVisibilityCommand': "jobs/aws/queue.ts's delivery control, which only the worker uses",
  },
  worker: {
    'SQSClient SendMessageCommand': "jobs/aws/queue.ts's submitting half; the worker only changes message visibility",
    'S3Client DeleteObjectCommand':
      "uploads/aws/storage.ts's delete, used by the api and steps tiers, not by the worker",
  },
};

// Top-level await: the table below is one test per row, so each row's name says what is checked.
const calls = Object.fromEntries(await Promise.all(TIERS.map(async (tier) => [tier, await tierCalls(tier)]))) as Record<
  Tier,
  TierCalls
>;

const rows = TIERS.flatMap((tier) =>
  requestsOf(calls[tier])
    .filter(({ command }) => !IMPORTED_NOT_SENT[tier]?.[command])
    .map(({ command, request }) => ({ tier, command, request })),
);

describe('each tier is allowed every SDK command its code imports', () => {
  it.each(rows.map((row) => [row.tier, row.command, row.request.action, row.request.resource, row.request] as const))(
    '%s: %s → %s on %s',
    (tier, _command, _action, _resource, request) => {
      expect(evaluate(iamStatements(tier, localTargets(LOCAL)), { ...request, context: {} })).toBe('Allowed');
    },
  );

  it.each(TIERS)('%s: every exemption names a command the tier still imports', (tier) => {
    const imported = calls[tier].commands.map((command) => `${command.clientName} ${command.commandName}`);
    for (const command of Object.keys(IMPORTED_NOT_SENT[tier] ?? {})) expect(imported).toContain(command);
  });
});

describe('the command table', () => {
  it('is derived from the code: each tier imports the commands its work needs', () => {
    const names = (tier: Tier) => calls[tier].commands.map((command) => command.commandName).sort();
    // Anchors that would break if the derivation lost a module graph: the api starts workflows and signs uploads,
    // the worker consumes the queue (its event source mapping) and stores results, the steps read uploads.
    expect(names('api')).toEqual(
      expect.arrayContaining(['StartExecutionCommand', 'SendMessageCommand', 'PutItemCommand']),
    );
    expect(names('worker')).toEqual(
      expect.arrayContaining(['ReceiveMessageCommand', 'DeleteMessageBatchCommand', 'PutObjectCommand']),
    );
    expect(names('steps')).toEqual(
      expect.arrayContaining(['HeadObjectCommand', 'GetObjectCommand', 'ConverseCommand']),
    );
    expect(names('public')).not.toContain('PutItemCommand');
  });

  it('reads imports the way the code writes them and refuses a client it cannot map', () => {
    const text = [
      "import { GetCommand, type QueryCommandInput, PutCommand as Put } from '@aws-sdk/lib-dynamodb';",
      "import type { HeadObjectCommand } from '@aws-sdk/client-s3';",
      "import {\n  DeleteObjectCommand,\n  S3Client,\n} from '@aws-sdk/client-s3';",
      "const q = { IndexName: 'gsi1' };",
    ].join('\n');
    expect(scanSource('x.ts', text)).toEqual({
      commands: [
        { clientName: 'DynamoDBClient', commandName: 'GetItemCommand', file: 'x.ts' },
        { clientName: 'DynamoDBClient', commandName: 'PutItemCommand', file: 'x.ts' },
        { clientName: 'S3Client', commandName: 'DeleteObjectCommand', file: 'x.ts' },
      ],
      indexes: ['gsi1'],
    });
    expect(() => scanSource('y.ts', "import { InvokeCommand } from '@aws-sdk/client-lambda';")).toThrow(
      /does not know/,
    );
  });
});
