import { randomUUID } from 'node:crypto';
import { scope } from '@toolgate/core/scopes';
import { Client, StreamableHTTPClientTransport } from '@toolgate/functions/testing/mcp-client';
import { afterEach, describe, expect, it } from 'vitest';
import { getJson, useLocalRuntime } from './support/runtime';

/**
 * MCP end to end: the official MCP TypeScript client, over Streamable HTTP, through the local API Gateway (which
 * checks the bearer token like API Gateway's JWT authorizer) into the api tier's stateless MCP server.
 */
const runtime = useLocalRuntime();
const clients: Client[] = [];
afterEach(async () => {
  await Promise.all(clients.splice(0).map((client) => client.close()));
});

async function token(scopes: readonly string[] = [scope('tools'), scope('profile')], sub = `user-${randomUUID()}`) {
  return runtime().issuer.mintAccessToken({ sub, scopes });
}

async function connect(bearer: string) {
  const client = new Client({ name: 'toolgate-test', version: '1.0.0' });
  const transport = new StreamableHTTPClientTransport(new URL(`${runtime().url}/mcp`), {
    requestInit: { headers: { Authorization: `Bearer ${bearer}` } },
  });
  await client.connect(transport);
  clients.push(client);
  return client;
}

const rest = async (bearer: string, name: string, input: unknown) =>
  getJson(`${runtime().url}/tools/${name}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${bearer}`, 'content-type': 'application/json' },
    body: JSON.stringify(input),
  });

describe('MCP over Streamable HTTP', () => {
  it('initializes a stateless session and lists the tools the token allows, with input and output schemas', async () => {
    const client = await connect(await token());
    expect(client.getServerVersion()).toMatchObject({ name: 'toolgate' });
    const { tools } = await client.listTools();
    expect(tools.map((tool) => tool.name)).toEqual(['catalog_search', 'catalog_get', 'account_get']);
    expect(tools[1]).toMatchObject({
      inputSchema: { type: 'object', required: ['id'] },
      outputSchema: { type: 'object' },
      description: expect.stringContaining('catalog product'),
    });
    const narrow = await connect(await token([scope('tools')]));
    expect((await narrow.listTools()).tools.map((tool) => tool.name)).toEqual(['catalog_search', 'catalog_get']);
  });

  it('returns the same result as REST for the same tool call', async () => {
    const bearer = await token();
    const client = await connect(bearer);
    for (const [name, input] of [
      ['catalog_search', { q: 'gpu', limit: 4 }],
      ['catalog_get', { id: 'model-small-chat' }],
    ] as const) {
      const viaMcp = await client.callTool({ name, arguments: input });
      const viaRest = await rest(bearer, name, input);
      expect(viaRest.status).toBe(200);
      expect(viaMcp.isError).toBeFalsy();
      expect(viaMcp.structuredContent).toEqual(viaRest.body);
      expect(JSON.parse((viaMcp.content as { text: string }[])[0]?.text ?? '')).toEqual(viaRest.body);
    }
  });

  it('fails the same way as REST: validation, scope and not-found problems as isError results', async () => {
    const bearer = await token([scope('tools')]);
    const client = await connect(bearer);
    for (const [name, input, status] of [
      ['catalog_search', { limit: 0 }, 400],
      ['account_get', {}, 403],
      ['catalog_get', { id: 'no-such-product' }, 404],
    ] as const) {
      const viaMcp = await client.callTool({ name, arguments: input });
      const viaRest = await rest(bearer, name, input);
      expect(viaRest.status).toBe(status);
      expect(viaMcp.isError).toBe(true);
      const { instance: _instance, ...problem } = viaRest.body;
      expect(JSON.parse((viaMcp.content as { text: string }[])[0]?.text ?? '')).toEqual(problem);
    }
  });

  it('is behind the same JWT check: no token or a token without the tools scope is refused', async () => {
    const initialize = {
      jsonrpc: '2.0',
      id: 1,
      method: 'initialize',
      params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'x', version: '1' } },
    };
    const post = (headers: Record<string, string>) =>
      fetch(`${runtime().url}/mcp`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', ...headers },
        body: JSON.stringify(initialize),
      });
    expect((await post({})).status).toBe(401);
    expect((await post({ authorization: `Bearer ${await token([scope('chat')])}` })).status).toBe(403);
    await expect(connect('not-a-token')).rejects.toThrow();
  });

  it('answers GET and DELETE /mcp with 405 (no stream, no session)', async () => {
    const bearer = await token();
    for (const method of ['GET', 'DELETE']) {
      const response = await getJson(`${runtime().url}/mcp`, {
        method,
        headers: { authorization: `Bearer ${bearer}`, accept: 'text/event-stream' },
      });
      expect(response.status).toBe(405);
      expect(response.headers.get('allow')).toBe('POST');
    }
  });

  describe('protocol errors (issue 20: as documented, JSON-RPC rather than problem+json)', () => {
    const initialize = {
      jsonrpc: '2.0',
      id: 1,
      method: 'initialize',
      params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'x', version: '1' } },
    };
    const post = async (body: unknown, headers: Record<string, string> = {}) =>
      getJson(`${runtime().url}/mcp`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${await token()}`,
          'content-type': 'application/json',
          accept: 'application/json, text/event-stream',
          ...headers,
        },
        body: typeof body === 'string' ? body : JSON.stringify(body),
      });
    const call = (id: number, params: unknown) => ({ jsonrpc: '2.0', id, method: 'tools/call', params });

    it('an unknown tool is a -32602 error, not a tool result', async () => {
      const response = await post(call(2, { name: 'no_such_tool', arguments: {} }));
      expect(response.status).toBe(200);
      expect(response.body).toEqual({
        jsonrpc: '2.0',
        id: 2,
        error: { code: -32602, message: 'Unknown tool: no_such_tool (tools/list names the tools)' },
      });
      const client = await connect(await token());
      await expect(client.callTool({ name: 'no_such_tool', arguments: {} })).rejects.toMatchObject({ code: -32602 });
    });

    it('tools/call without a name is -32602 with a message for people, not -32603 with a zod dump', async () => {
      for (const params of [{}, { name: 42 }, { name: 'catalog_get', arguments: 'x' }]) {
        const response = await post(call(3, params));
        expect(response.status).toBe(200);
        expect(response.body.error.code).toBe(-32602);
        expect(response.body.error.message).toMatch(/^Invalid tools\/call params: give `name`/);
      }
    });

    it('answers 406, 415 and 400 with JSON-RPC errors, and accepts a batch', async () => {
      const notAcceptable = await post(initialize, { accept: 'application/json' });
      expect(notAcceptable.status).toBe(406);
      expect(notAcceptable.body).toMatchObject({ jsonrpc: '2.0', id: null, error: { code: -32000 } });
      const unsupported = await post('{}', { 'content-type': 'text/plain' });
      expect(unsupported.status).toBe(415);
      expect(unsupported.headers.get('content-type')).toBe('application/json');
      const unparsable = await post('{"jsonrpc":');
      expect(unparsable.status).toBe(400);
      expect(unparsable.body).toMatchObject({ error: { code: -32700 } });
      const batch = await post([
        { jsonrpc: '2.0', id: 7, method: 'ping' },
        { jsonrpc: '2.0', id: 8, method: 'tools/list' },
      ]);
      expect(batch.status).toBe(200);
      expect((batch.body as { id: number }[]).map((message) => message.id).sort()).toEqual([7, 8]);
    });
  });
});

/**
 * Issue 20.1: the SDK runs a JSON-RPC batch of up to 100 messages, and the limiter counted one `tools` request per
 * HTTP request, so a free user (30 tools requests a minute) could run 3,000 tool calls a minute — also under
 * 2025-06-18, which has no batches. `/mcp` also skipped the 64 KB JSON cap of every other route.
 */
describe('MCP batches and body size', () => {
  const FREE_TOOLS_PER_MINUTE = 30;
  const toolCall = (id: number) => ({
    jsonrpc: '2.0',
    id,
    method: 'tools/call',
    params: { name: 'catalog_get', arguments: { id: 'model-small-chat' } },
  });
  const post = async (bearer: string, body: unknown, protocolVersion?: string) =>
    getJson(`${runtime().url}/mcp`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${bearer}`,
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
        ...(protocolVersion ? { 'mcp-protocol-version': protocolVersion } : {}),
      },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });
  const batch = (size: number) => Array.from({ length: size }, (_, index) => toolCall(index + 1));

  it('counts every tools/call of a batch: a batch larger than what is left of the minute is refused whole', async () => {
    const bearer = await token();
    const tooMany = await post(bearer, batch(FREE_TOOLS_PER_MINUTE + 1), '2025-03-26');
    expect(tooMany.status, JSON.stringify(tooMany.body)).toBe(429);
    expect(tooMany.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(tooMany.body).toMatchObject({ type: 'urn:toolgate:problem:rate-limited', rateClass: 'tools', cost: 31 });
    expect(Number(tooMany.headers.get('retry-after'))).toBeGreaterThan(0);

    // Refused whole, it counted nothing: the whole minute is still there, and a batch of 10 uses 10 of it.
    const ten = await post(bearer, batch(10), '2025-03-26');
    expect(ten.status, JSON.stringify(ten.body)).toBe(200);
    expect(ten.body).toHaveLength(10);
    expect(ten.headers.get('ratelimit-remaining')).toBe(String(FREE_TOOLS_PER_MINUTE - 10));
    const rest = await post(bearer, batch(FREE_TOOLS_PER_MINUTE - 10));
    expect(rest.status, JSON.stringify(rest.body)).toBe(200);
    expect(rest.headers.get('ratelimit-remaining')).toBe('0');
    expect((await post(bearer, toolCall(99), '2025-03-26')).status).toBe(429);
  });

  it('refuses a batch outright under protocol versions without batching (2025-06-18 and later), as JSON-RPC says', async () => {
    const bearer = await token();
    for (const version of ['2025-06-18', '2025-11-25']) {
      const refused = await post(bearer, batch(2), version);
      expect(refused.status).toBe(400);
      expect(refused.headers.get('content-type')).toMatch(/^application\/json/);
      expect(refused.body).toEqual({
        jsonrpc: '2.0',
        error: { code: -32600, message: expect.stringContaining(`${version} has no JSON-RPC batches`) },
        id: null,
      });
    }
    // One message per request is what these versions send, and it works.
    const single = await post(bearer, toolCall(1), '2025-06-18');
    expect(single.status).toBe(200);
    expect(single.body).toMatchObject({
      jsonrpc: '2.0',
      id: 1,
      result: { structuredContent: { id: 'model-small-chat' } },
    });
  });

  it('caps the body at 64 KB like every JSON route: 413 problem+json', async () => {
    const bearer = await token();
    const padded = { ...toolCall(1), params: { name: 'catalog_search', arguments: { q: 'x'.repeat(70_000) } } };
    const answer = await post(bearer, padded, '2025-06-18');
    expect(answer.status).toBe(413);
    expect(answer.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(answer.body).toMatchObject({ status: 413 });
  });
});
