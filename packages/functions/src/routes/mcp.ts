import { MethodNotAllowedError } from '@toolgate/core/errors';
import { routes } from '@toolgate/core/manifest';
import type { ToolRegistry } from '@toolgate/core/tools/registry';
import type { Hono } from 'hono';
import type { AppEnv } from '../http/types';
import { admitMcpRequest } from '../mcp/batch';
import { honoPath } from './path';

/**
 * `POST /mcp`: the tool registry over MCP. The MCP SDK is loaded on the first MCP request (dynamic import), so the
 * api tier's cold start — paid by chat and REST requests too — does not include it.
 */
export function mountMcp(app: Hono<AppEnv>, registry: ToolRegistry): void {
  app.post(honoPath(routes.mcp), async (c) => {
    // The limiter has counted every tool call in the body by now (see mcp/batch.ts); what remains is the body cap
    // and the batch rule, both before the SDK is loaded.
    const admitted = await admitMcpRequest(c);
    if ('refusal' in admitted) return admitted.refusal;
    const { handleMcpRequest } = await import('../mcp/server');
    // The body was read to count its calls; the SDK gets the same text in a request of its own (without the
    // original Content-Length: text that was not valid UTF-8 re-encodes to another length).
    const headers = new Headers(c.req.raw.headers);
    headers.delete('content-length');
    const request = new Request(c.req.raw.url, { method: 'POST', headers, body: admitted.text });
    return handleMcpRequest(request, registry, c.get('caller'), c.get('logger'));
  });

  // Stateless and JSON-only: no server-initiated stream (GET) and no session to end (DELETE). 405 is what the
  // MCP spec asks of such a server, and clients fall back to plain POST.
  const notSupported = () => {
    throw new MethodNotAllowedError(['POST']);
  };
  app.get(honoPath(routes.mcpStream), notSupported);
  app.delete(honoPath(routes.mcpSession), notSupported);
}
