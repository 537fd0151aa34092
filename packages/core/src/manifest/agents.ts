import { scope } from '../scopes';
import type { RouteSpec } from './types';

const DOCS_REASON =
  'API documentation is published so that clients and agents can discover the API; it describes routes, never data.';

/** Agent routes: tools over REST and MCP, chat with a tool-calling loop, and the API's own documentation. */
export const agentRoutes = {
  toolsList: {
    method: 'GET',
    path: '/tools',
    tier: 'api',
    auth: { kind: 'jwt', scopes: [scope('tools')] },
    rateClass: 'standard',
    summary: "The tools the caller's scopes allow, as JSON Schema, Bedrock toolSpec and OpenAI function definitions",
  },
  toolCall: {
    method: 'POST',
    path: '/tools/{name}',
    tier: 'api',
    auth: { kind: 'jwt', scopes: [scope('tools')] },
    rateClass: 'tools',
    summary: 'Call one tool as the caller; the request body is the tool input',
  },
  mcp: {
    method: 'POST',
    path: '/mcp',
    tier: 'api',
    auth: { kind: 'jwt', scopes: [scope('tools')] },
    rateClass: 'tools',
    summary: 'The same tools over MCP Streamable HTTP (stateless, JSON responses)',
  },
  // MCP clients probe GET (server-sent stream) and DELETE (end session); a stateless server answers 405 to both.
  // They are declared so that the gateway routes them to the Lambda, which gives the answer the MCP spec expects.
  mcpStream: {
    method: 'GET',
    path: '/mcp',
    tier: 'api',
    auth: { kind: 'jwt', scopes: [scope('tools')] },
    rateClass: 'standard',
    summary: 'Not supported by this stateless MCP server: always 405',
  },
  mcpSession: {
    method: 'DELETE',
    path: '/mcp',
    tier: 'api',
    auth: { kind: 'jwt', scopes: [scope('tools')] },
    rateClass: 'standard',
    summary: 'Not supported by this stateless MCP server: always 405',
  },
  chat: {
    method: 'POST',
    path: '/chat',
    tier: 'api',
    auth: { kind: 'jwt', scopes: [scope('chat')] },
    rateClass: 'chat',
    stream: {
      via: 'function-url',
      reason: 'a chat UI shows tokens and tool calls as they happen (Accept: text/event-stream)',
    },
    summary: 'Send a message to the agent, which may call tools as the caller before it answers',
  },
  conversationGet: {
    method: 'GET',
    path: '/conversations/{id}',
    tier: 'api',
    auth: { kind: 'jwt', scopes: [scope('chat')] },
    rateClass: 'standard',
    summary: "One of the caller's conversations with its messages",
  },
  openapi: {
    method: 'GET',
    path: '/openapi.json',
    tier: 'public',
    auth: { kind: 'public', reason: DOCS_REASON },
    summary: 'The OpenAPI 3.1 document of this API',
  },
  docs: {
    method: 'GET',
    path: '/docs',
    tier: 'public',
    auth: { kind: 'public', reason: DOCS_REASON },
    summary: 'The API reference page (renders /openapi.json)',
  },
  docsHead: {
    method: 'HEAD',
    path: '/docs',
    tier: 'public',
    auth: { kind: 'public', reason: DOCS_REASON },
    summary: "The API reference page's headers (link checkers, uptime probes)",
  },
  docsAsset: {
    method: 'GET',
    path: '/docs/assets/{asset}',
    tier: 'public',
    auth: { kind: 'public', reason: DOCS_REASON },
    summary: "The API reference page's script and style (a pinned Swagger UI, served from this origin)",
  },
} as const satisfies Record<string, RouteSpec>;
