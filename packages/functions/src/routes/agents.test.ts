import { createConversationsRepository } from '@toolgate/core/agent/aws/conversations';
import { createDevProvider } from '@toolgate/core/agent/providers/dev';
import { scope } from '@toolgate/core/scopes';
import { memoryDocumentClient, unreadableConversationItem } from '@toolgate/core/testing/document-fakes';
import { describe, expect, it } from 'vitest';
import { createAgentTestApp } from '../testing/agent-app';
import { Client, StreamableHTTPClientTransport } from '../testing/mcp-client';

/** The agent routes through the api tier's real app (guard, limits, problem+json), with in-memory collaborators. */
const everything = [scope('tools'), scope('chat'), scope('profile')];
const callers = {
  'alice.token.x': { sub: 'alice', scopes: everything, clientId: 'c' },
  'bob.token.x': { sub: 'bob', scopes: everything, clientId: 'c' },
  'tools.only.x': { sub: 'carol', scopes: [scope('tools')], clientId: 'c' },
  'chat.only.x': { sub: 'dave', scopes: [scope('chat')], clientId: 'c' },
};
const auth = (token: string) => ({ authorization: `Bearer ${token}` });
const json = (token: string, body: unknown, contentType = 'application/json') => ({
  method: 'POST',
  headers: { ...auth(token), 'content-type': contentType },
  body: typeof body === 'string' ? body : JSON.stringify(body),
});

describe('GET /tools', () => {
  const { app } = createAgentTestApp({ callers });

  it("lists the caller's tools with JSON Schemas, Bedrock and OpenAI shapes, and rate-limit headers", async () => {
    const response = await app.request('/tools', { headers: auth('alice.token.x') });
    expect(response.status).toBe(200);
    expect(response.headers.get('RateLimit-Limit')).toBe('60');
    expect(response.headers.get('RateLimit-Remaining')).toBe('59');
    const { tools } = (await response.json()) as { tools: Record<string, unknown>[] };
    expect(tools.map((t) => t.name)).toEqual(['catalog_search', 'catalog_get', 'account_get']);
    expect(tools[1]).toMatchObject({
      scope: 'toolgate/tools',
      inputSchema: { type: 'object', required: ['id'] },
      outputSchema: { type: 'object' },
      bedrock: { toolSpec: { name: 'catalog_get', inputSchema: { json: { type: 'object' } } } },
      openai: { type: 'function', function: { name: 'catalog_get', parameters: { type: 'object' } } },
    });
    const narrow = await app.request('/tools', { headers: auth('tools.only.x') });
    expect(((await narrow.json()) as { tools: { name: string }[] }).tools.map((t) => t.name)).toEqual([
      'catalog_search',
      'catalog_get',
    ]);
  });

  it('needs the tools scope', async () => {
    const response = await app.request('/tools', { headers: auth('chat.only.x') });
    expect(response.status).toBe(403);
  });
});

describe('POST /tools/{name}', () => {
  const { app } = createAgentTestApp({ callers });

  it('runs the tool with the body as input', async () => {
    const response = await app.request('/tools/catalog_get', json('alice.token.x', { id: 'gpu-l4-hour' }));
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ id: 'gpu-l4-hour', priceCents: 80 });
    const noBody = await app.request('/tools/account_get', { method: 'POST', headers: auth('alice.token.x') });
    expect(await noBody.json()).toMatchObject({ sub: 'alice', plan: 'free' });
  });

  it('answers 400 problem+json naming the bad field', async () => {
    const response = await app.request('/tools/catalog_search', json('alice.token.x', { limit: 500 }));
    expect(response.status).toBe(400);
    expect(response.headers.get('content-type')).toBe('application/problem+json');
    expect(await response.json()).toMatchObject({ status: 400, errors: [{ field: 'input.limit' }] });
  });

  it('answers 403 when the token lacks the tool scope, 404 for an unknown tool', async () => {
    const forbidden = await app.request('/tools/account_get', json('tools.only.x', {}));
    expect(forbidden.status).toBe(403);
    expect(await forbidden.json()).toMatchObject({
      detail: 'The tool account_get requires the scope toolgate/profile.',
    });
    expect((await app.request('/tools/nope', json('alice.token.x', {}))).status).toBe(404);
  });

  it('answers 415 for a non-JSON body and 400 for malformed JSON, both as problem+json', async () => {
    const text = await app.request('/tools/catalog_get', json('alice.token.x', 'id=gpu', 'text/plain'));
    expect(text.status).toBe(415);
    expect(text.headers.get('content-type')).toBe('application/problem+json');
    const broken = await app.request('/tools/catalog_get', json('alice.token.x', '{"id": '));
    expect(broken.status).toBe(400);
    expect(await broken.json()).toMatchObject({ errors: [{ field: 'body', message: 'is not valid JSON' }] });
  });
});

describe('POST /mcp', () => {
  const { app } = createAgentTestApp({ callers });
  const connect = async (token: string) => {
    const client = new Client({ name: 'test', version: '1.0.0' });
    const transport = new StreamableHTTPClientTransport(new URL('http://api.test/mcp'), {
      requestInit: { headers: auth(token) },
      fetch: async (url, init) => app.request(String(url), init as RequestInit),
    });
    await client.connect(transport);
    return client;
  };

  it('serves the same tools, and the same results, as REST', async () => {
    const client = await connect('alice.token.x');
    const { tools } = await client.listTools();
    expect(tools.map((t) => t.name)).toEqual(['catalog_search', 'catalog_get', 'account_get']);
    const viaMcp = await client.callTool({ name: 'catalog_search', arguments: { q: 'gpu', limit: 3 } });
    const viaRest = await (
      await app.request('/tools/catalog_search', json('alice.token.x', { q: 'gpu', limit: 3 }))
    ).json();
    expect(viaMcp.structuredContent).toEqual(viaRest);
    expect(viaMcp.isError).toBeFalsy();
    await client.close();
  });

  it('answers GET and DELETE with 405', async () => {
    for (const method of ['GET', 'DELETE']) {
      const response = await app.request('/mcp', { method, headers: auth('alice.token.x') });
      expect(response.status).toBe(405);
      expect(response.headers.get('allow')).toBe('POST');
    }
  });
});

describe('POST /chat', () => {
  it('runs a multi-step tool loop, keeps the conversation per user, and 404s for another user', async () => {
    const { app } = createAgentTestApp({ callers });
    const first = await app.request('/chat', json('alice.token.x', { message: 'Find the cheapest GPU' }));
    expect(first.status).toBe(200);
    const body = (await first.json()) as { conversationId: string; toolCalls: { name: string }[]; stoppedBy: string };
    expect(body.toolCalls.map((t) => t.name)).toEqual(['catalog_search', 'catalog_get']);
    expect(body.stoppedBy).toBe('answer');

    const again = await app.request(
      '/chat',
      json('alice.token.x', { message: 'and my plan?', conversationId: body.conversationId }),
    );
    expect(((await again.json()) as { conversationId: string }).conversationId).toBe(body.conversationId);
    const own = await app.request(`/conversations/${body.conversationId}`, { headers: auth('alice.token.x') });
    expect(((await own.json()) as { messages: unknown[] }).messages.length).toBeGreaterThanOrEqual(8);

    const stolen = await app.request(
      '/chat',
      json('bob.token.x', { message: 'hi', conversationId: body.conversationId }),
    );
    expect(stolen.status).toBe(404);
    expect((await app.request(`/conversations/${body.conversationId}`, { headers: auth('bob.token.x') })).status).toBe(
      404,
    );
    const malformed = await app.request('/conversations/not-a-uuid', { headers: auth('alice.token.x') });
    expect(await malformed.json()).toMatchObject({ status: 400, errors: [{ field: 'path.id' }] });
  });

  it('answers a 500 problem for a stored history it cannot read, and leaves the history as it was', async () => {
    const id = '6f1d7a52-3c1e-4b7a-9d55-0f3a2b1c4d5e';
    const doc = memoryDocumentClient();
    // A tool call stored with an empty id, as a provider once let through: the stored-message schema refuses it.
    const item = unreadableConversationItem('alice', id);
    doc.items.set(`${item.pk}|${item.sk}`, structuredClone(item));
    const conversations = createConversationsRepository(doc.client, 'table', { ttlDays: 30 });
    const { app } = createAgentTestApp({ callers, conversations });

    for (const response of [
      await app.request('/chat', json('alice.token.x', { message: 'and the A10G?', conversationId: id })),
      await app.request(`/conversations/${id}`, { headers: auth('alice.token.x') }),
    ]) {
      expect(response.status).toBe(500);
      expect(response.headers.get('content-type')).toBe('application/problem+json');
      expect(await response.json()).toMatchObject({
        type: 'urn:toolgate:problem:unreadable-data',
        status: 500,
        detail: "This conversation's stored history cannot be read; it is kept as it was. Start a new conversation.",
      });
    }
    expect(doc.sent).not.toContain('Put');
    expect(doc.items.get(`USER#alice|CONV#${id}`)).toEqual(item);
  });

  it('validates the body: 400 naming body.message', async () => {
    const { app } = createAgentTestApp({ callers });
    const response = await app.request('/chat', json('alice.token.x', { message: '   ' }));
    expect(await response.json()).toMatchObject({ status: 400, errors: [{ field: 'body.message' }] });
    const extra = await app.request('/chat', json('alice.token.x', { message: 'hi', model: 'gpt-5' }));
    expect(extra.status).toBe(400);
  });

  it('ends at the step cap and at the deadline with a 200 that says so and points to POST /jobs', async () => {
    const capped = createAgentTestApp({ callers, stepCap: 2 }).app;
    const cap = (await (
      await capped.request('/chat', json('alice.token.x', { message: 'compare every compute product' }))
    ).json()) as {
      stoppedBy: string;
      reply: string;
    };
    expect(cap.stoppedBy).toBe('step-cap');
    expect(cap.reply).toContain('POST /jobs');

    const slow = createAgentTestApp({
      callers,
      provider: createDevProvider({ latencyMs: 400 }),
      chatDeadlineMs: 1_000,
    }).app;
    const started = Date.now();
    const late = await slow.request('/chat', json('alice.token.x', { message: 'compare every compute product' }));
    expect(Date.now() - started).toBeLessThan(1_800);
    expect(late.status).toBe(200);
    expect(await late.json()).toMatchObject({ stoppedBy: 'deadline', reply: expect.stringContaining('POST /jobs') });
  });

  it('ends a streamed chat at the deadline cleanly: its last events are usage and done with stoppedBy deadline', async () => {
    const slow = createAgentTestApp({
      callers,
      provider: createDevProvider({ latencyMs: 400 }),
      chatDeadlineMs: 1_000,
    }).app;
    const response = await slow.request('/chat', {
      ...json('alice.token.x', { message: 'compare every compute product' }),
      headers: { ...auth('alice.token.x'), 'content-type': 'application/json', accept: 'text/event-stream' },
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const events = (await response.text())
      .split('\n\n')
      .filter(Boolean)
      .map((block) => ({
        event: /^event: (.*)$/m.exec(block)?.[1],
        data: JSON.parse(/^data: (.*)$/m.exec(block)?.[1] ?? 'null'),
      }));
    expect(events.map((event) => event.event).slice(-2)).toEqual(['usage', 'done']);
    expect(events.at(-1)?.data).toMatchObject({ stoppedBy: 'deadline' });
    const text = events.flatMap((event) => (event.event === 'delta' ? [event.data.text] : [])).join('');
    expect(text).toContain('POST /jobs');
  });
});
