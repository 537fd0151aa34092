/**
 * The official MCP TypeScript client, re-exported for the end-to-end suites in tests/ (the SDK is a dependency of
 * this package; pnpm does not hoist it).
 */
export { Client } from '@modelcontextprotocol/sdk/client/index.js';
export { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
