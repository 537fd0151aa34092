import { ChatRequestSchema, ChatResponseSchema, ConversationIdSchema, ConversationSchema } from '../agent/schema';
import { CHAT_STREAM_CONTENT_TYPE, ChatStreamEventSchema } from '../agent/stream';
import { MAX_JSON_BODY_BYTES } from '../limits/body';
import type { RouteId } from '../manifest';
import * as z from '../zod';
import { REFERENCE_ASSET_NAMES, REFERENCE_ASSETS } from './reference-assets';
import { ProblemSchema } from './schemas';
import type { RouteDoc } from './types';

const UNREADABLE_CONVERSATION =
  'Unexpected error (details are logged, never returned); or `unreadable-data`: the conversation’s stored history ' +
  'cannot be read. It is kept as it was, never replaced; start a new conversation.';

const problem = (description: string) => ({
  description,
  schema: ProblemSchema,
  contentType: 'application/problem+json',
});

const JsonSchemaObject = z.record(z.string(), z.unknown()).check(z.describe('A JSON Schema (draft 2020-12)'));

export const ToolListSchema = z.object({
  tools: z.array(
    z.object({
      name: z.string(),
      description: z.string().check(z.describe('Written for a model')),
      scope: z.string().check(z.describe('The scope a token needs to call the tool')),
      inputSchema: JsonSchemaObject,
      outputSchema: JsonSchemaObject,
      bedrock: z
        .object({
          toolSpec: z.object({
            name: z.string(),
            description: z.string(),
            inputSchema: z.object({ json: JsonSchemaObject }),
          }),
        })
        .check(z.describe('Bedrock Converse toolConfig.tools[] entry')),
      openai: z
        .object({
          type: z.literal('function'),
          function: z.object({ name: z.string(), description: z.string(), parameters: JsonSchemaObject }),
        })
        .check(z.describe('OpenAI Chat Completions tools[] entry')),
    }),
  ),
});

const JsonRpcMessage = z
  .looseObject({
    jsonrpc: z.literal('2.0'),
    id: z.optional(z.nullable(z.union([z.string(), z.number()]))),
    method: z.optional(z.string()),
  })
  .check(z.describe('A JSON-RPC 2.0 message of the MCP protocol'));

/** One message, or a batch of them (the transport accepts both). */
const JsonRpcMessages = z.union([
  JsonRpcMessage,
  z
    .array(JsonRpcMessage)
    .check(z.minLength(1), z.describe('A batch: the answer is an array of the responses to its requests')),
]);

/** The transport's own refusals (wrong Accept or Content-Type, unparsable JSON, bad batch): never a Problem. */
const JsonRpcErrorSchema = z
  .object({
    jsonrpc: z.literal('2.0'),
    id: z.null(),
    error: z.object({
      code: z.int().check(z.describe('-32700 parse error, -32600 invalid request, -32000 transport refusal')),
      message: z.string(),
      data: z.optional(z.unknown()),
    }),
  })
  .check(z.meta({ id: 'JsonRpcError' }));

const jsonRpcError = (description: string) => ({ description, schema: JsonRpcErrorSchema });

export const agentDocs = {
  toolsList: {
    tags: ['tools'],
    responses: { 200: { description: "The tools the caller's scopes allow", schema: ToolListSchema } },
  },
  toolCall: {
    tags: ['tools'],
    description:
      'The body is the tool input (see its `inputSchema` in GET /tools); the answer is its output. Validation ' +
      'problems name the field as `input.<name>`.',
    params: z.object({ name: z.string().check(z.describe('Tool name, e.g. catalog_search')) }),
    body: z.record(z.string(), z.unknown()).check(z.describe('The tool input')),
    bodyRequired: false,
    maxBodyBytes: MAX_JSON_BODY_BYTES,
    responses: {
      200: { description: 'The tool output (see its `outputSchema`)', schema: z.record(z.string(), z.unknown()) },
      404: problem('No such tool, or the tool found nothing'),
      415: problem('The body is not application/json'),
    },
  },
  mcp: {
    tags: ['mcp'],
    description:
      'MCP Streamable HTTP, stateless, JSON responses: `initialize`, `tools/list`, `tools/call`. Send ' +
      '`Accept: application/json, text/event-stream` and `Content-Type: application/json`. Errors of a request ' +
      '(an unknown tool or malformed `tools/call` params: -32602) are JSON-RPC errors in a 200 answer; a tool that ' +
      'fails answers a result with `isError: true` whose text is the Problem REST would send.',
    body: JsonRpcMessages,
    bodyRequired: true,
    inputProblems: false,
    responses: {
      200: {
        description: 'The JSON-RPC response (an array of them for a batch)',
        schema: z.union([JsonRpcMessage, z.array(JsonRpcMessage)]),
      },
      202: { description: 'Only notifications or responses were sent: accepted, no body' },
      400: jsonRpcError('Not JSON (-32700), not JSON-RPC (-32700), or a batch the server refuses (-32600)'),
      406: jsonRpcError('`Accept` lacks application/json or text/event-stream'),
      413: problem('The body is larger than 64 KB, the cap of every JSON body (a large payload belongs in an upload)'),
      415: jsonRpcError('The body is not application/json'),
    },
  },
  mcpStream: {
    tags: ['mcp'],
    responses: { 405: problem('This stateless server opens no server-to-client stream') },
  },
  mcpSession: {
    tags: ['mcp'],
    responses: { 405: problem('This stateless server has no session to end') },
  },
  chat: {
    tags: ['chat'],
    description:
      'The agent may call tools (as the caller, within the caller’s scopes) before it answers. The loop stops at a ' +
      'step cap or a deadline under the gateway’s 30 s, and then says so in `reply` and `stoppedBy`; long work ' +
      'belongs in POST /jobs.\n\n' +
      'Send `Accept: text/event-stream` to get the answer as it is produced, as Server-Sent Events (schema ' +
      '`ChatStreamEvent`): `start` {conversationId} first, `delta` {text} as the model writes (all deltas concatenate to `reply`), `tool_call` ' +
      '{id, name, input} when a tool starts, `tool_result` {id, name, ok, error?, durationMs} when it ends, `usage` ' +
      '{inputTokens, outputTokens} once, then `done` {conversationId, stoppedBy}; or `error` (a Problem) if it fails ' +
      'after the stream opened. Every refusal (400, 401, 403, 404, 409, 429) comes before the stream opens, as ' +
      'problem+json. A client that disconnects stops the model; what was produced is kept in the conversation, its ' +
      'last message marked `interrupted`, and the tokens spent are charged. Deployed, the stream is served on the ' +
      "streaming endpoint (docs/adr/0003-streaming.md): API Gateway's HTTP API cannot stream.",
    body: ChatRequestSchema,
    bodyRequired: true,
    maxBodyBytes: MAX_JSON_BODY_BYTES,
    responses: {
      200: {
        description:
          'The reply, with the trace of tool calls and the tokens used; or, with `Accept: text/event-stream`, the ' +
          'same as a stream of events',
        schema: ChatResponseSchema,
        variants: [{ contentType: CHAT_STREAM_CONTENT_TYPE, schema: ChatStreamEventSchema }],
      },
      404: problem("No such conversation for this caller (another user's id is not found either)"),
      409: problem('The conversation changed concurrently; send the message again'),
      415: problem('The body is not application/json'),
      500: problem(UNREADABLE_CONVERSATION),
      503: problem('The model is unavailable; retry later'),
    },
  },
  conversationGet: {
    tags: ['chat'],
    params: z.object({ id: ConversationIdSchema }),
    responses: {
      200: { description: 'The conversation', schema: ConversationSchema },
      404: problem('No such conversation for this caller'),
      500: problem(UNREADABLE_CONVERSATION),
    },
  },
  openapi: {
    tags: ['meta'],
    responses: { 200: { description: 'This document', schema: z.record(z.string(), z.unknown()) } },
  },
  docs: {
    tags: ['meta'],
    responses: { 200: { description: 'An HTML API reference', schema: z.string(), contentType: 'text/html' } },
  },
  docsHead: {
    tags: ['meta'],
    responses: { 200: { description: "The reference page's headers, without a body" } },
  },
  docsAsset: {
    tags: ['meta'],
    params: z.object({ asset: z.enum(REFERENCE_ASSET_NAMES) }),
    responses: {
      200: {
        description:
          'The asset, gzip-encoded when the client accepts it; cached for a year (its URL carries the version)',
        schema: z.string(),
        contentType: [...new Set(Object.values(REFERENCE_ASSETS).map((type) => type.split(';')[0] ?? type))],
      },
      404: problem('No such asset'),
    },
  },
} satisfies Partial<Record<RouteId, RouteDoc>>;
