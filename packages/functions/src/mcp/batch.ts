import { PayloadTooLargeError } from '@toolgate/core/errors';
import type { Context } from 'hono';
import type { AppEnv } from '../http/types';

/**
 * What an MCP POST costs and whether it may run, decided from the body before the MCP SDK is even loaded.
 *
 * The SDK's transport runs a JSON-RPC batch of up to 100 messages for any protocol version, and the per-plan
 * limiter counted one `tools` request per HTTP request: a batch multiplied the limit by 100. Two rules close that:
 * - **A batch only where the protocol has batches.** JSON-RPC batching was added to MCP in 2025-03-26 and removed
 *   in 2025-06-18; a batch sent under 2025-06-18 or later is refused as JSON-RPC says (`-32600 Invalid Request`,
 *   HTTP 400, the answer the SDK's transport gives an invalid batch), before any message runs.
 * - **Every tool call counts.** A request costs one `tools` unit per `tools/call` it carries (at least one), counted
 *   all or nothing before the SDK runs anything: a batch that does not fit in what is left of the minute is a 429
 *   problem+json like any other refusal, and none of its calls runs.
 * The body is capped like every other JSON body (64 KB, 413 problem+json): a big payload belongs in an upload.
 */
export const MCP_MAX_BODY_BYTES = 64 * 1024;

/** The first protocol version without JSON-RPC batching (dates compare as strings). */
export const FIRST_PROTOCOL_WITHOUT_BATCHES = '2025-06-18';
/** What the SDK assumes when a request names no version (the version that introduced Streamable HTTP). */
const DEFAULT_PROTOCOL_VERSION = '2025-03-26';

export type McpBody =
  | { kind: 'too-large' }
  /** Not JSON: the SDK answers it (`-32700 Parse error`). */
  | { kind: 'unparsed'; text: string }
  | { kind: 'parsed'; text: string; value: unknown };

/** The request body, read once (Hono caches it) and classified; never throws. */
export async function readMcpBody(c: Context<AppEnv>): Promise<McpBody> {
  const text = await c.req.text();
  if (Buffer.byteLength(text) > MCP_MAX_BODY_BYTES) return { kind: 'too-large' };
  try {
    return { kind: 'parsed', text, value: JSON.parse(text) };
  } catch {
    return { kind: 'unparsed', text };
  }
}

export function protocolVersionOf(c: Context<AppEnv>): string {
  return c.req.header('mcp-protocol-version')?.trim() || DEFAULT_PROTOCOL_VERSION;
}

export const batchesAllowed = (protocolVersion: string) => protocolVersion < FIRST_PROTOCOL_WITHOUT_BATCHES;

const isToolCall = (message: unknown) =>
  typeof message === 'object' && message !== null && (message as { method?: unknown }).method === 'tools/call';

/**
 * The `tools` units a request costs: one per `tools/call` in it, at least one (initialize, tools/list, a refused
 * or malformed body). A batch the protocol refuses costs one: it runs nothing.
 */
export async function mcpRequestCost(c: Context<AppEnv>): Promise<number> {
  const body = await readMcpBody(c);
  if (body.kind !== 'parsed' || !Array.isArray(body.value)) return 1;
  if (!batchesAllowed(protocolVersionOf(c))) return 1;
  return Math.max(1, body.value.filter(isToolCall).length);
}

/** The body for the SDK, or the answer that refuses the request before the SDK sees it. */
export async function admitMcpRequest(c: Context<AppEnv>): Promise<{ text: string } | { refusal: Response }> {
  const body = await readMcpBody(c);
  if (body.kind === 'too-large') {
    throw new PayloadTooLargeError(
      `An MCP request body must be at most ${MCP_MAX_BODY_BYTES} bytes; send large content as an upload.`,
    );
  }
  const protocolVersion = protocolVersionOf(c);
  if (body.kind === 'parsed' && Array.isArray(body.value) && !batchesAllowed(protocolVersion)) {
    return {
      refusal: Response.json(
        {
          jsonrpc: '2.0',
          error: {
            code: -32600,
            message: `Invalid Request: MCP protocol version ${protocolVersion} has no JSON-RPC batches; send one message per request`,
          },
          id: null,
        },
        { status: 400 },
      ),
    };
  }
  return { text: body.text };
}
