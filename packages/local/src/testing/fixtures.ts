import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { APIGatewayProxyEventV2, Context } from 'aws-lambda';
import type { LambdaHandler } from '../gateway/types';

export async function temporaryDir(prefix = 'toolgate-test-'): Promise<{ path: string; remove(): Promise<void> }> {
  const path = await mkdtemp(join(tmpdir(), prefix));
  return { path, remove: () => rm(path, { recursive: true, force: true }) };
}

export interface RecordingHandler {
  handler: LambdaHandler;
  calls: { event: APIGatewayProxyEventV2; context: Context }[];
}

/** A fake tier handler that records its invocations and answers with `respond` (default: echo the event). */
export function recordingHandler(
  respond: (event: APIGatewayProxyEventV2, context: Context) => unknown = (event) => ({
    statusCode: 200,
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(event),
  }),
): RecordingHandler {
  const calls: RecordingHandler['calls'] = [];
  return {
    calls,
    handler: async (event, context) => {
      calls.push({ event, context });
      return respond(event, context);
    },
  };
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
