import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Tier } from '@toolgate/core/concurrency';
import { build } from 'esbuild';
import { ENTRY_POINTS } from '../../../functions/build';

/**
 * The AWS SDK commands each tier's code can send, read from the code itself: every source file a tier's entry
 * reaches (static and dynamic imports, resolved by esbuild as the deployed bundle is), scanned for the commands it
 * imports from the AWS SDK. A new call in any module a tier bundles shows up here without anyone listing it, and
 * `tier-commands.test.ts` then requires a statement for it.
 */

const REPO_ROOT = fileURLToPath(new URL('../../../../', import.meta.url));

/** The SDK client each command module belongs to (the name a middleware sees in `context.clientName`). */
const CLIENT_OF_MODULE: Record<string, string> = {
  '@aws-sdk/client-dynamodb': 'DynamoDBClient',
  '@aws-sdk/lib-dynamodb': 'DynamoDBClient',
  '@aws-sdk/client-s3': 'S3Client',
  '@aws-sdk/client-sqs': 'SQSClient',
  '@aws-sdk/client-sfn': 'SFNClient',
  '@aws-sdk/client-bedrock-runtime': 'BedrockRuntimeClient',
};

/** lib-dynamodb's document commands send these client commands. */
const DOCUMENT_COMMANDS: Record<string, string> = {
  GetCommand: 'GetItemCommand',
  PutCommand: 'PutItemCommand',
  UpdateCommand: 'UpdateItemCommand',
  DeleteCommand: 'DeleteItemCommand',
  QueryCommand: 'QueryCommand',
  ScanCommand: 'ScanCommand',
  BatchGetCommand: 'BatchGetItemCommand',
  BatchWriteCommand: 'BatchWriteItemCommand',
  TransactGetCommand: 'TransactGetItemsCommand',
  TransactWriteCommand: 'TransactWriteItemsCommand',
};

export interface SdkCommand {
  clientName: string;
  commandName: string;
  /** Where it is imported (repo-relative). */
  file: string;
}

export interface TierCalls {
  commands: SdkCommand[];
  /** The table indexes its code names (`IndexName: '...'`). */
  indexes: string[];
}

const IMPORT = /import\s*(type\s+)?\{([^}]*)\}\s*from\s*['"](@aws-sdk\/[\w-]+)['"]/g;
const INDEX_NAME = /IndexName:\s*['"]([\w.-]+)['"]/g;

/** The SDK commands and index names one source file uses. */
export function scanSource(file: string, text: string): TierCalls {
  const commands: SdkCommand[] = [];
  for (const match of text.matchAll(IMPORT)) {
    const [, typeOnly, names = '', module = ''] = match;
    if (typeOnly) continue;
    for (const raw of names.split(',')) {
      const name = raw.trim();
      if (!name || name.startsWith('type ')) continue;
      const imported = name.split(/\s+as\s+/)[0] ?? name;
      if (!imported.endsWith('Command')) continue;
      const clientName = CLIENT_OF_MODULE[module];
      if (!clientName) {
        // A client the local check cannot place: fail here rather than let its calls go unchecked.
        throw new Error(`${file} imports ${imported} from ${module}, a client the local IAM check does not know`);
      }
      const commandName = module === '@aws-sdk/lib-dynamodb' ? DOCUMENT_COMMANDS[imported] : imported;
      if (!commandName) throw new Error(`${file}: unknown document command ${imported}`);
      commands.push({ clientName, commandName, file });
    }
  }
  const indexes = [...text.matchAll(INDEX_NAME)].map((match) => match[1] as string);
  return { commands, indexes };
}

/** The repo's own source files an entry reaches; packages outside the workspace are left out (external). */
async function sourceFiles(entry: string): Promise<string[]> {
  const result = await build({
    entryPoints: [join(REPO_ROOT, entry)],
    absWorkingDir: REPO_ROOT,
    bundle: true,
    write: false,
    metafile: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    outdir: 'out',
    logLevel: 'silent',
    plugins: [
      {
        name: 'workspace-only',
        setup(b) {
          b.onResolve({ filter: /^[^./]/ }, (args) =>
            args.path.startsWith('@toolgate/') ? undefined : { path: args.path, external: true },
          );
        },
      },
    ],
  });
  return Object.keys(result.metafile?.inputs ?? {}).filter((file) => !file.includes('node_modules'));
}

function merge(parts: TierCalls[]): TierCalls {
  const seen = new Map<string, SdkCommand>();
  for (const command of parts.flatMap((part) => part.commands)) {
    seen.set(`${command.clientName} ${command.commandName}`, command);
  }
  return { commands: [...seen.values()], indexes: [...new Set(parts.flatMap((part) => part.indexes))] };
}

/**
 * What the worker's event source mapping calls with the worker's role; locally the queue poller plays it, so its
 * commands are read from the poller's source.
 */
const EVENT_SOURCE_MAPPING = 'packages/local/src/queue/poller.ts';

export async function tierCalls(tier: Tier): Promise<TierCalls> {
  const files = await sourceFiles(ENTRY_POINTS[tier]);
  if (tier === 'worker') files.push(EVENT_SOURCE_MAPPING);
  return merge(files.map((file) => scanSource(file, readFileSync(join(REPO_ROOT, file), 'utf8'))));
}
