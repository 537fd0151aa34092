import { afterEach, describe, expect, it } from 'vitest';
import { ServiceUnavailableError } from '../../errors';
import { caller, memoryCatalog } from '../../testing/agent-fakes';
import { type RecordedRequest, startWireServer, type WireReply } from '../../testing/wire-server';
import { catalogTools } from '../../tools/catalog';
import { ToolRegistry } from '../../tools/registry';
import { runAgent } from '../loop';
import { createOpenAiProvider } from './openai';

/** The OpenAI-compatible provider against a loopback server speaking the Chat Completions wire format. */
let close: (() => Promise<void>) | undefined;
afterEach(() => close?.());

async function openAiAt(reply: (request: RecordedRequest, index: number) => WireReply, apiKey?: string) {
  const server = await startWireServer(reply);
  close = server.close;
  return {
    server,
    provider: createOpenAiProvider({
      baseUrl: `${server.url}/v1/`,
      modelId: 'llama-3.1-8b',
      ...(apiKey ? { apiKey } : {}),
    }),
  };
}

const completion = (message: object, finish: string) => ({
  body: {
    id: 'chatcmpl-1',
    object: 'chat.completion',
    created: 1,
    model: 'llama-3.1-8b',
    choices: [{ index: 0, message: { role: 'assistant', ...message }, finish_reason: finish }],
    usage: { prompt_tokens: 50, completion_tokens: 10, total_tokens: 60 },
  },
});

describe('openai-compatible provider (Chat Completions wire format)', () => {
  it('sends tools as functions, runs the tool_calls it gets back and sends their results as tool messages', async () => {
    const { server, provider } = await openAiAt(
      (_request, index) =>
        index === 0
          ? completion(
              {
                content: null,
                tool_calls: [
                  {
                    id: 'call_1',
                    type: 'function',
                    function: { name: 'catalog_get', arguments: '{"id":"gpu-l4-hour"}' },
                  },
                ],
              },
              'tool_calls',
            )
          : completion({ content: 'The L4 costs $0.80 per hour.' }, 'stop'),
      'sk-test-key',
    );
    const result = await runAgent({
      provider,
      registry: new ToolRegistry(catalogTools(memoryCatalog())),
      caller: caller(),
      messages: [{ role: 'user', content: 'Price of gpu-l4-hour?' }],
      stepCap: 4,
      deadlineAt: Date.now() + 10_000,
      system: 'Be brief.',
      maxOutputTokens: 128,
    });

    expect(result).toMatchObject({ stoppedBy: 'answer', reply: 'The L4 costs $0.80 per hour.' });
    expect(result.usage).toEqual({ inputTokens: 100, outputTokens: 20 });
    expect(result.toolCalls).toEqual([expect.objectContaining({ id: 'call_1', name: 'catalog_get', ok: true })]);

    const [first, second] = server.requests;
    expect(first?.method).toBe('POST');
    expect(first?.path).toBe('/v1/chat/completions');
    expect(first?.headers.authorization).toBe('Bearer sk-test-key');
    expect(first?.headers['content-type']).toBe('application/json');
    expect(first?.body).toEqual({
      model: 'llama-3.1-8b',
      max_tokens: 128,
      tool_choice: 'auto',
      messages: [
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: 'Price of gpu-l4-hour?' },
      ],
      tools: [
        {
          type: 'function',
          function: expect.objectContaining({
            name: 'catalog_search',
            parameters: expect.objectContaining({ type: 'object' }),
          }),
        },
        { type: 'function', function: expect.objectContaining({ name: 'catalog_get' }) },
      ],
    });
    const messages = (second?.body as { messages: Record<string, unknown>[] } | undefined)?.messages ?? [];
    expect(messages.slice(2)).toEqual([
      {
        role: 'assistant',
        content: null,
        tool_calls: [
          { id: 'call_1', type: 'function', function: { name: 'catalog_get', arguments: '{"id":"gpu-l4-hour"}' } },
        ],
      },
      { role: 'tool', tool_call_id: 'call_1', content: expect.stringContaining('"id":"gpu-l4-hour"') },
    ]);
  });

  it('sends no Authorization header without a key (local llama.cpp / vLLM) and no tools for a plain completion', async () => {
    const { server, provider } = await openAiAt(() => completion({ content: 'ok' }, 'stop'));
    await provider.converse({ messages: [{ role: 'user', content: 'hi' }], tools: [], maxOutputTokens: 5 });
    expect(server.requests[0]?.headers.authorization).toBeUndefined();
    expect(server.requests[0]?.body).not.toHaveProperty('tools');
    expect(server.requests[0]?.body).not.toHaveProperty('tool_choice');
  });

  it('feeds malformed tool arguments back as a validation error instead of failing the chat', async () => {
    const { provider } = await openAiAt((_r, index) =>
      index === 0
        ? completion(
            {
              content: '',
              tool_calls: [{ id: 'c', type: 'function', function: { name: 'catalog_get', arguments: '{id:' } }],
            },
            'tool_calls',
          )
        : completion({ content: 'Sorry.' }, 'stop'),
    );
    const result = await runAgent({
      provider,
      registry: new ToolRegistry(catalogTools(memoryCatalog())),
      caller: caller(),
      messages: [{ role: 'user', content: 'x' }],
      stepCap: 3,
      deadlineAt: Date.now() + 10_000,
    });
    expect(result.toolCalls[0]).toMatchObject({ ok: false, error: { status: 400 } });
    expect(result.reply).toBe('Sorry.');
  });

  it('maps 429 and 5xx to a 503 with the upstream Retry-After, never echoing the key or the upstream text', async () => {
    const { provider } = await openAiAt(
      () => ({
        status: 429,
        headers: { 'retry-after': '7' },
        body: { error: { message: 'Rate limit for sk-test-key' } },
      }),
      'sk-test-key',
    );
    const error = await provider
      .converse({ messages: [{ role: 'user', content: 'hi' }], tools: [], maxOutputTokens: 5 })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ServiceUnavailableError);
    expect((error as ServiceUnavailableError).headers['Retry-After']).toBe('7');
    expect(JSON.stringify({ ...(error as object), message: (error as Error).message })).not.toContain('sk-test-key');
  });

  it('rejects a response that is not a chat completion', async () => {
    const { provider } = await openAiAt(() => ({ body: { hello: 'world' } }));
    await expect(
      provider.converse({ messages: [{ role: 'user', content: 'hi' }], tools: [], maxOutputTokens: 5 }),
    ).rejects.toBeInstanceOf(ServiceUnavailableError);
  });

  describe('retries', () => {
    const ask = { messages: [{ role: 'user' as const, content: 'hi' }], tools: [], maxOutputTokens: 5 };
    const busy = (status: number, retryAfter?: string): WireReply => ({
      status,
      ...(retryAfter === undefined ? {} : { headers: { 'retry-after': retryAfter } }),
      body: { error: { message: 'busy' } },
    });
    const ok = completion({ content: 'Hello.' }, 'stop');

    it('retries one transient failure (5xx, or 429 with a short Retry-After) and answers', async () => {
      for (const first of [busy(503), busy(500), busy(429, '0')]) {
        const { provider, server } = await openAiAt((_request, index) => (index === 0 ? first : ok));
        const response = await provider.converse(ask);
        expect(response.message.content).toBe('Hello.');
        expect(server.requests).toHaveLength(2);
        await close?.();
        close = undefined;
      }
    });

    it('gives up after two attempts with a 503, and never retries what would fail again (4xx)', async () => {
      const failing = await openAiAt(() => busy(502));
      await expect(failing.provider.converse(ask)).rejects.toBeInstanceOf(ServiceUnavailableError);
      expect(failing.server.requests).toHaveLength(2);
      await close?.();

      const refused = await openAiAt(() => ({ status: 400, body: { error: { message: 'bad' } } }));
      await expect(refused.provider.converse(ask)).rejects.toBeInstanceOf(ServiceUnavailableError);
      expect(refused.server.requests).toHaveLength(1);
    });

    it('passes a long Retry-After on to the caller instead of waiting it out', async () => {
      const { provider, server } = await openAiAt(() => busy(429, '30'));
      const error = await provider.converse(ask).catch((e: unknown) => e);
      expect((error as ServiceUnavailableError).headers['Retry-After']).toBe('30');
      expect(server.requests).toHaveLength(1);
    });

    it('names the endpoint and the network reason in the cause (for the log), never the credentials', async () => {
      const unreachable = createOpenAiProvider({
        baseUrl: 'http://user:secret@127.0.0.1:9/v1',
        modelId: 'm',
        apiKey: 'sk-also-hidden',
        maxAttempts: 1,
        fetch: (async () => {
          throw new TypeError('fetch failed', { cause: Object.assign(new Error('connect'), { code: 'ECONNREFUSED' }) });
        }) as typeof fetch,
      });
      const error = (await unreachable.converse(ask).catch((e: unknown) => e)) as ServiceUnavailableError;
      expect(error.message).toBe('The model endpoint could not be reached.');
      const cause = error.cause as Error;
      expect(cause.message).toBe('POST http://127.0.0.1:9/v1/chat/completions failed: ECONNREFUSED');
      expect(cause.message).not.toMatch(/secret|sk-/);
    });

    it('retries a connection that failed, and stops waiting when the chat deadline aborts', async () => {
      let calls = 0;
      const unreachable = createOpenAiProvider({
        baseUrl: 'http://127.0.0.1:9/v1',
        modelId: 'm',
        fetch: (async () => {
          calls++;
          throw new TypeError('fetch failed');
        }) as typeof fetch,
      });
      await expect(unreachable.converse(ask)).rejects.toThrow(/could not be reached/);
      expect(calls).toBe(2);

      const deadline = new AbortController();
      const { provider, server } = await openAiAt(() => busy(503));
      setTimeout(() => deadline.abort(new Error('chat deadline')), 50);
      const started = performance.now();
      await expect(provider.converse({ ...ask, signal: deadline.signal })).rejects.toThrow('chat deadline');
      expect(performance.now() - started).toBeLessThan(200); // not the full 250 ms pause
      expect(server.requests).toHaveLength(1);
    });
  });
});
