import { MethodNotAllowedError } from '@toolgate/core/errors';
import { routes } from '@toolgate/core/manifest';
import type { ToolRegistry } from '@toolgate/core/tools/registry';
import type { Hono } from 'hono';
import type { AppEnv } from '../http/types';
import { honoPath } from './path';

/**
 * `POST /mcp`: the tool registry over MCP. The MCP SDK is loaded on the first MCP request (dynamic import), so the
 * api tier's cold start — paid by chat and REST requests too — does not include it.
 */
export function mountMcp(app: Hono<AppEnv>, registry: ToolRegistry): void {
  app.post(honoPath(routes.mcp), async (c) => {
    const { handleMcpRequest } = await import('../mcp/server');
    return handleMcpRequest(c.req.raw, registry, c.get('caller'), c.get('logger'));
  });

  // Stateless and JSON-only: no server-initiated stream (GET) and no session to end (DELETE). 405 is what the
  // MCP spec asks of such a server, and clients fall back to plain POST.
  const notSupported = () => {
    throw new MethodNotAllowedError(['POST']);
  };
  app.get(honoPath(routes.mcpStream), notSupported);
  app.delete(honoPath(routes.mcpSession), notSupported);
}
