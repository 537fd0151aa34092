import { randomUUID } from 'node:crypto';
import { createConversationsRepository } from '@toolgate/core/agent/aws/conversations';
import { createDocumentClient } from '@toolgate/core/data/dynamo';
import { ConflictError } from '@toolgate/core/errors';
import { scope } from '@toolgate/core/scopes';
import { LOCAL_CREDENTIALS } from '@toolgate/local/local-env';
import { describe, expect, it } from 'vitest';
import { apiCaller, getJson, useLocalRuntime } from './support/runtime';

/**
 * Issue 4 end to end: tools over REST and chat with the dev model, through the local API Gateway (JWT authorizer,
 * payload-v2 events) into the api tier's real handler, against DynamoDB (dynalite) and the seeded catalog.
 */
const runtime = useLocalRuntime();
const ALL = [scope('tools'), scope('chat'), scope('profile')];

async function tokenFor(sub: string, scopes: readonly string[] = ALL) {
  return runtime().issuer.mintAccessToken({ sub, scopes });
}

const call = apiCaller(runtime);

const newUser = () => `user-${randomUUID()}`;

describe('tools over REST', () => {
  it("GET /tools lists the caller's tools with JSON Schema, Bedrock toolSpec and OpenAI function shapes", async () => {
    const response = await call(await tokenFor(newUser()), 'GET', '/tools');
    expect(response.status).toBe(200);
    expect(response.headers.get('ratelimit-limit')).toBe('60');
    const names = response.body.tools.map((tool: { name: string }) => tool.name);
    expect(names).toEqual(['catalog_search', 'catalog_get', 'account_get']);
    const search = response.body.tools[0];
    expect(search.inputSchema).toMatchObject({ type: 'object', properties: { q: { type: 'string' } } });
    expect(search.bedrock.toolSpec.inputSchema.json).toEqual(search.inputSchema);
    expect(search.openai).toEqual({
      type: 'function',
      function: { name: 'catalog_search', description: search.description, parameters: search.inputSchema },
    });

    const toolsOnly = await call(await tokenFor(newUser(), [scope('tools')]), 'GET', '/tools');
    expect(toolsOnly.body.tools.map((tool: { name: string }) => tool.name)).toEqual(['catalog_search', 'catalog_get']);
  });

  it('POST /tools/{name} runs the tool on the seeded catalog', async () => {
    const token = await tokenFor(newUser());
    const page = await call(token, 'POST', '/tools/catalog_search', { q: 'gpu', limit: 3 });
    expect(page.status).toBe(200);
    expect(page.body.items).toHaveLength(3);
    const product = await call(token, 'POST', '/tools/catalog_get', { id: 'gpu-l4-hour' });
    expect(product.body).toMatchObject({ id: 'gpu-l4-hour', name: 'GPU L4 hour', priceCents: 80 });
  });

  it('validates tool input: 400 problem+json naming input.<field>', async () => {
    const response = await call(await tokenFor(newUser()), 'POST', '/tools/catalog_search', {
      limit: 'ten',
      colour: 'red',
    });
    expect(response.status).toBe(400);
    expect(response.headers.get('content-type')).toBe('application/problem+json');
    expect(response.body.errors.map((issue: { field: string }) => issue.field).sort()).toEqual([
      'input',
      'input.limit',
    ]);
  });

  it('denies a tool outside the token scopes with 403, and a token without the tools scope at the gateway', async () => {
    const denied = await call(await tokenFor(newUser(), [scope('tools')]), 'POST', '/tools/account_get', {});
    expect(denied.status).toBe(403);
    expect(denied.body).toMatchObject({
      type: 'urn:toolgate:problem:forbidden',
      detail: expect.stringContaining('toolgate/profile'),
    });
    const noToolsScope = await call(await tokenFor(newUser(), [scope('chat')]), 'GET', '/tools');
    expect(noToolsScope.status).toBe(403);
  });

  it('answers 404 for an unknown tool and 415 for a non-JSON body', async () => {
    const token = await tokenFor(newUser());
    expect((await call(token, 'POST', '/tools/drop_tables', {})).status).toBe(404);
    const text = await getJson(`${runtime().url}/tools/catalog_get`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'text/plain' },
      body: 'gpu-l4-hour',
    });
    expect(text.status).toBe(415);
  });

  it('account_get reports the plan and this month’s chat tokens', async () => {
    const account = await call(await tokenFor(newUser()), 'POST', '/tools/account_get');
    expect(account.status).toBe(200);
    expect(account.body).toMatchObject({
      plan: 'free',
      usage: { chatTokens: 0 },
      limits: { requestsPerMinute: { chat: 10 } },
    });
  });
});

describe('POST /chat with the dev model', () => {
  it('runs a multi-step tool loop: two tool calls before the final answer, all in the trace', async () => {
    const sub = newUser();
    const token = await tokenFor(sub);
    const response = await call(token, 'POST', '/chat', { message: 'Find the cheapest GPU and tell me its price' });
    expect(response.status).toBe(200);
    const { conversationId, reply, toolCalls, usage, stoppedBy } = response.body;
    expect(conversationId).toMatch(/^[0-9a-f-]{36}$/);
    expect(stoppedBy).toBe('answer');
    expect(toolCalls.map((c: { name: string; step: number; ok: boolean }) => [c.name, c.step, c.ok])).toEqual([
      ['catalog_search', 1, true],
      ['catalog_get', 2, true],
    ]);
    expect(toolCalls[1].output.id).toBe(toolCalls[1].input.id);
    expect(reply).toContain('The cheapest is');
    expect(usage.inputTokens).toBeGreaterThan(0);
    expect(response.headers.get('ratelimit-limit')).toBe('10');

    // The tokens were charged to the caller's month.
    const account = await call(token, 'POST', '/tools/account_get');
    expect(account.body.usage.chatTokens).toBe(usage.inputTokens + usage.outputTokens);
  });

  it('continues a conversation, which GET /conversations/{id} returns to its owner', async () => {
    const token = await tokenFor(newUser());
    const first = await call(token, 'POST', '/chat', { message: 'tell me about gpu-h100-hour' });
    const { conversationId } = first.body;
    const second = await call(token, 'POST', '/chat', { message: 'and my plan?', conversationId });
    expect(second.status).toBe(200);
    expect(second.body.conversationId).toBe(conversationId);
    expect(second.body.toolCalls.map((c: { name: string }) => c.name)).toEqual(['account_get']);
    const conversation = await call(token, 'GET', `/conversations/${conversationId}`);
    expect(conversation.status).toBe(200);
    expect(conversation.body.messages.filter((m: { role: string }) => m.role === 'user')).toEqual([
      { role: 'user', content: 'tell me about gpu-h100-hour' },
      { role: 'user', content: 'and my plan?' },
    ]);
  });

  it("isolates conversations: another user's conversation id is a 404, to read or to continue", async () => {
    const alice = await tokenFor(newUser());
    const bob = await tokenFor(newUser());
    const { body } = await call(alice, 'POST', '/chat', { message: 'what is my plan?' });
    const read = await call(bob, 'GET', `/conversations/${body.conversationId}`);
    expect(read.status).toBe(404);
    expect(read.headers.get('content-type')).toBe('application/problem+json');
    const hijack = await call(bob, 'POST', '/chat', {
      message: 'what did alice ask?',
      conversationId: body.conversationId,
    });
    expect(hijack.status).toBe(404);
    // Alice's conversation is untouched by the attempt.
    const own = await call(alice, 'GET', `/conversations/${body.conversationId}`);
    expect(own.body.messages.filter((m: { role: string }) => m.role === 'user')).toHaveLength(1);
  });

  it('stops cleanly at the step cap (6) and points to POST /jobs', async () => {
    const response = await call(await tokenFor(newUser()), 'POST', '/chat', {
      message: 'compare every compute product',
    });
    expect(response.status).toBe(200);
    expect(response.body.stoppedBy).toBe('step-cap');
    expect(response.body.toolCalls).toHaveLength(6);
    expect(response.body.reply).toContain('POST /jobs');
  });

  it('validates the body (400 naming body.message) and needs the chat scope', async () => {
    const token = await tokenFor(newUser());
    const empty = await call(token, 'POST', '/chat', { message: '' });
    expect(empty.status).toBe(400);
    expect(empty.body.errors[0].field).toBe('body.message');
    const badId = await call(token, 'POST', '/chat', { message: 'hi', conversationId: '../../USER#admin' });
    expect(badId.body.errors[0].field).toBe('body.conversationId');
    const noChat = await call(await tokenFor(newUser(), [scope('tools')]), 'POST', '/chat', { message: 'hi' });
    expect(noChat.status).toBe(403);
  });
});

describe('conversation storage (DynamoDB)', () => {
  it('writes with a version check: a concurrent second writer gets 409 instead of overwriting', async () => {
    const doc = createDocumentClient({
      region: runtime().region,
      endpoint: runtime().endpoints.dynamodb,
      credentials: LOCAL_CREDENTIALS,
    });
    try {
      const repo = createConversationsRepository(doc, runtime().tableName, { ttlDays: 30 });
      const sub = newUser();
      const at = new Date().toISOString();
      const conversation = { conversationId: randomUUID(), createdAt: at, updatedAt: at, messages: [] };
      const saved = await repo.save(sub, { ...conversation, messages: [{ role: 'user', content: 'one' }] }, null);
      await expect(repo.save(sub, conversation, null)).rejects.toBeInstanceOf(ConflictError);
      await repo.save(sub, { ...conversation, messages: [{ role: 'user', content: 'two' }] }, saved.version);
      await expect(repo.save(sub, conversation, saved.version)).rejects.toBeInstanceOf(ConflictError);
      expect((await repo.get(sub, conversation.conversationId))?.messages).toEqual([{ role: 'user', content: 'two' }]);
      expect(await repo.get(newUser(), conversation.conversationId)).toBeNull();
    } finally {
      doc.destroy();
    }
  });
});
