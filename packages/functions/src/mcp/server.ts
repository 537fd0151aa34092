import type { Logger } from '@aws-lambda-powertools/logger';
import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { WebStandardStreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js';
import {
  type CallToolResult,
  ErrorCode,
  ListToolsRequestSchema,
  type Tool as McpTool,
} from '@modelcontextprotocol/sdk/types.js';
import type { Caller } from '@toolgate/core/auth/verifier';
import { InternalError, isToolgateError, toProblem } from '@toolgate/core/errors';
import type { ToolRegistry } from '@toolgate/core/tools/registry';
import { describeTool } from '@toolgate/core/tools/schemas';
import * as z from '@toolgate/core/zod';

export const MCP_SERVER_INFO = { name: 'toolgate', version: '0.1.0' } as const;

/**
 * A JSON-RPC error answer with a message written for the client. (The SDK's McpError prefixes every message with
 * "MCP error <code>:"; the protocol layer sends any error's own `code` and `message`.)
 */
class JsonRpcError extends Error {
  constructor(
    readonly code: number,
    message: string,
  ) {
    super(message);
  }
}

const CallToolParamsSchema = z.looseObject({
  name: z.string().check(z.minLength(1)),
  arguments: z.optional(z.record(z.string(), z.unknown())),
});

/**
 * One MCP server per request, bound to the verified caller: stateless, so any Lambda instance can answer any
 * request and there is no session to hijack. It serves the same registry as REST with the same validation, scope
 * checks and results: a tool failure is an `isError` result whose text is the same problem+json REST would send.
 */
export function createMcpServer(registry: ToolRegistry, caller: Caller, logger: Logger | undefined): Server {
  // The low-level Server serves our registry's own JSON Schemas and validation; McpServer would re-validate with
  // its own rules and error texts, and REST and MCP must answer alike.
  const server = new Server(MCP_SERVER_INFO, {
    capabilities: { tools: { listChanged: false } },
    instructions: 'toolgate tools. Every call runs as the authenticated user, with that user’s scopes and limits.',
  });

  server.setRequestHandler(ListToolsRequestSchema, async () => ({
    tools: registry.list(caller.scopes).map((tool): McpTool => {
      const { name, description, inputSchema, outputSchema } = describeTool(tool);
      return {
        name,
        description,
        inputSchema: inputSchema as McpTool['inputSchema'],
        outputSchema: outputSchema as McpTool['outputSchema'],
      };
    }),
  }));

  // `tools/call` is answered by the fallback handler rather than `setRequestHandler`: the SDK parses a registered
  // handler's request before anything of ours runs, and turns a malformed one (`params: {}`) into -32603 with a raw
  // zod dump. Malformed params and unknown tools are the client's mistake: -32602 with a message that says which.
  server.fallbackRequestHandler = async (request, extra): Promise<CallToolResult> => {
    if (request.method !== 'tools/call') throw new JsonRpcError(ErrorCode.MethodNotFound, 'Method not found');
    const params = z.safeParse(CallToolParamsSchema, request.params ?? {});
    if (!params.success) {
      throw new JsonRpcError(
        ErrorCode.InvalidParams,
        'Invalid tools/call params: give `name` (a tool from tools/list) and optionally `arguments` (an object)',
      );
    }
    const { name, arguments: input } = params.data;
    if (!registry.all().some((tool) => tool.name === name)) {
      throw new JsonRpcError(ErrorCode.InvalidParams, `Unknown tool: ${name} (tools/list names the tools)`);
    }
    try {
      const output = (await registry.call(name, input, { caller, signal: extra.signal })) as Record<string, unknown>;
      return { content: [{ type: 'text', text: JSON.stringify(output) }], structuredContent: output };
    } catch (error) {
      const known = isToolgateError(error) && error.status < 500 ? error : null;
      if (!known) {
        logger?.error('mcp tool failed', {
          tool: name,
          error: error instanceof Error ? { name: error.name, message: error.message } : String(error),
        });
      }
      return {
        isError: true,
        content: [{ type: 'text', text: JSON.stringify(toProblem(known ?? new InternalError())) }],
      };
    }
  };
  return server;
}

/** Answers one MCP Streamable HTTP request (stateless: a new server and transport per request). */
export async function handleMcpRequest(
  request: Request,
  registry: ToolRegistry,
  caller: Caller,
  logger: Logger | undefined,
): Promise<Response> {
  const server = createMcpServer(registry, caller, logger);
  const transport = new WebStandardStreamableHTTPServerTransport({
    sessionIdGenerator: undefined,
    enableJsonResponse: true,
  });
  await server.connect(transport);
  try {
    return await transport.handleRequest(request);
  } finally {
    // The JSON response is complete once handleRequest resolves; nothing outlives the request.
    await server.close();
  }
}
