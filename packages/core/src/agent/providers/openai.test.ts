import { afterEach, describe, expect, it, vi } from 'vitest';
import { catalogTools } from '../../catalog/tools';
import { ServiceUnavailableError } from '../../errors';
import { caller, memoryCatalog } from '../../testing/agent-fakes';
import { type RecordedRequest, startWireServer, type WireReply } from '../../testing/wire-server';
import { ToolRegistry } from '../../tools/registry';
import * as z from '../../zod';
import { runAgent } from '../loop';
import { ChatMessageSchema } from '../provider';
import { createOpenAiProvider, type OpenAiProviderOptions } from './openai';
import { retryDelayMs } from './openai-errors';

/** The OpenAI-compatible provider against a loopback server speaking the Chat Completions wire format. */
let close: (() => Promise<void>) | undefined;
afterEach(() => {
  vi.useRealTimers();
  return close?.();
});

async function openAiAt(
  reply: (request: RecordedRequest, index: number) => WireReply,
  apiKey?: string,
  options: Partial<OpenAiProviderOptions> = {},
) {
  const server = await startWireServer(reply);
  close = server.close;
  return {
    server,
    provider: createOpenAiProvider({
      baseUrl: `${server.url}/v1/`,
      modelId: 'llama-3.1-8b',
      ...(apiKey ? { apiKey } : {}),
      ...options,
    }),
  };
}

/** A fetch that answers from a script with no server behind it, so that a test can run on fake timers. */
function scriptedFetch(reply: (index: number) => WireReply) {
  const requests: string[] = [];
  const fetch = (async (url: string | URL | Request) => {
    const { status = 200, headers = {}, body } = reply(requests.length);
    requests.push(String(url));
    return new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json', ...headers } });
  }) as typeof globalThis.fetch;
  return { fetch, requests };
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

      // The pause before the retry (250 ms) runs on fake timers: the abort is honoured with no time passing.
      vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
      const deadline = new AbortController();
      const scripted = scriptedFetch(() => busy(503));
      const provider = createOpenAiProvider({
        baseUrl: 'http://model.invalid/v1',
        modelId: 'm',
        fetch: scripted.fetch,
      });
      const answer = provider.converse({ ...ask, signal: deadline.signal });
      const settled = answer.then(
        () => 'answered',
        (error: Error) => error.message,
      );
      await vi.advanceTimersByTimeAsync(50);
      expect(scripted.requests).toHaveLength(1);
      expect(vi.getTimerCount()).toBe(1); // the pause, 200 ms to go
      deadline.abort(new Error('chat deadline'));
      expect(await settled).toBe('chat deadline');
      expect(vi.getTimerCount()).toBe(0);
      expect(scripted.requests).toHaveLength(1);
    });
  });

  /**
   * Bodies as the servers send them (issue 18, found by replaying recorded responses). Each of these used to end in
   * a 503 on every turn, or in a conversation whose stored history could not be read back.
   */
  describe('recorded response shapes', () => {
    const ask = { messages: [{ role: 'user' as const, content: 'hi' }], tools: [], maxOutputTokens: 5 };
    const storable = (messages: unknown) => z.array(ChatMessageSchema).safeParse(messages).success;
    const GENERATED_ID = /^[A-Za-z0-9]{9}$/;

    it('gives a tool call sent with "id": "" (LM Studio) an id, sent back with its result and storable', async () => {
      const lmStudio = {
        id: 'chatcmpl-u1ixmrcy2mbhbbkmo8k2h',
        object: 'chat.completion',
        created: 1754380012,
        model: 'qwen3-8b',
        choices: [
          {
            index: 0,
            logprobs: null,
            finish_reason: 'tool_calls',
            message: {
              role: 'assistant',
              content: '',
              tool_calls: [
                { id: '', type: 'function', function: { name: 'catalog_get', arguments: '{"id":"gpu-l4-hour"}' } },
                { id: '', type: 'function', function: { name: 'catalog_get', arguments: '{"id":"gpu-a10g-hour"}' } },
              ],
            },
          },
        ],
        usage: { prompt_tokens: 412, completion_tokens: 48, total_tokens: 460 },
        stats: {},
        system_fingerprint: 'qwen3-8b',
      };
      const { server, provider } = await openAiAt((_request, index) =>
        index === 0 ? { body: lmStudio } : completion({ content: 'Both are available.' }, 'stop'),
      );
      const result = await runAgent({
        provider,
        registry: new ToolRegistry(catalogTools(memoryCatalog())),
        caller: caller(),
        messages: [{ role: 'user', content: 'L4 and A10G?' }],
        stepCap: 3,
        deadlineAt: Date.now() + 10_000,
      });

      expect(result.reply).toBe('Both are available.');
      const [first, second] = result.toolCalls.map((call) => call.id);
      expect(first).toMatch(GENERATED_ID);
      expect(second).toMatch(GENERATED_ID);
      expect(first).not.toBe(second);
      expect(storable(result.messages)).toBe(true);
      const sent = (server.requests[1]?.body as { messages?: Record<string, unknown>[] } | undefined)?.messages;
      expect(sent?.slice(2)).toEqual([
        expect.objectContaining({
          role: 'assistant',
          tool_calls: [expect.objectContaining({ id: first }), expect.objectContaining({ id: second })],
        }),
        expect.objectContaining({ role: 'tool', tool_call_id: first }),
        expect.objectContaining({ role: 'tool', tool_call_id: second }),
      ]);
    });

    it('accepts a tool call with no id at all (older Ollama and llama.cpp builds)', async () => {
      const ollama = {
        id: 'chatcmpl-622',
        object: 'chat.completion',
        created: 1722000000,
        model: 'llama3.1',
        system_fingerprint: 'fp_ollama',
        choices: [
          {
            index: 0,
            message: {
              role: 'assistant',
              content: '',
              tool_calls: [{ function: { name: 'catalog_search', arguments: '{"q":"gpu"}' } }],
            },
            finish_reason: 'tool_calls',
          },
        ],
        usage: { prompt_tokens: 180, completion_tokens: 20, total_tokens: 200 },
      };
      const { provider } = await openAiAt(() => ({ body: ollama }));
      const response = await provider.converse(ask);
      expect(response.stopReason).toBe('tool_use');
      expect(response.message.toolCalls).toEqual([
        { id: expect.stringMatching(GENERATED_ID), name: 'catalog_search', input: { q: 'gpu' } },
      ]);
      expect(storable([response.message])).toBe(true);
    });

    it('keeps the text of content sent as chunks, and leaves thinking chunks out (Mistral magistral)', async () => {
      const magistral = {
        id: 'cf79f7daaee244b1a0ae5c7b1444424a',
        object: 'chat.completion',
        model: 'magistral-medium-2509',
        usage: { prompt_tokens: 18, completion_tokens: 412, total_tokens: 430 },
        created: 1759500000,
        choices: [
          {
            index: 0,
            message: {
              role: 'assistant',
              tool_calls: null,
              content: [
                {
                  type: 'thinking',
                  thinking: [{ type: 'text', text: 'The user greets me. I should greet back briefly.' }],
                },
                { type: 'text', text: 'Hello! ' },
                { type: 'text', text: 'How can I help?' },
              ],
            },
            finish_reason: 'stop',
          },
        ],
      };
      const { provider } = await openAiAt(() => ({ body: magistral }));
      const response = await provider.converse(ask);
      expect(response.message.content).toBe('Hello! How can I help?');
      expect(response.stopReason).toBe('end_turn');

      await close?.();
      const { provider: textOnly } = await openAiAt(() =>
        completion({ content: [{ type: 'text', text: 'Just text.' }] }, 'stop'),
      );
      expect((await textOnly.converse(ask)).message.content).toBe('Just text.');
    });

    /** OpenAI's answer to `max_tokens` for the o-series and gpt-5, verbatim. */
    const maxTokensRefused: WireReply = {
      status: 400,
      body: {
        error: {
          message:
            "Unsupported parameter: 'max_tokens' is not supported with this model. Use 'max_completion_tokens' instead.",
          type: 'invalid_request_error',
          param: 'max_tokens',
          code: 'unsupported_parameter',
        },
      },
    };
    const openAiO3 = (request: RecordedRequest) =>
      request.body && typeof request.body === 'object' && 'max_tokens' in request.body
        ? maxTokensRefused
        : completion({ content: 'Hello.' }, 'stop');

    it('switches to max_completion_tokens when the endpoint refuses max_tokens, once for the provider', async () => {
      const { provider, server } = await openAiAt(openAiO3, 'sk-test-key');
      expect((await provider.converse(ask)).message.content).toBe('Hello.');
      expect((await provider.converse(ask)).message.content).toBe('Hello.');

      const sent = server.requests.map((request) => request.body as Record<string, unknown>);
      expect(sent).toHaveLength(3);
      expect(sent[0]).toMatchObject({ max_tokens: 5 });
      for (const body of sent.slice(1)) {
        expect(body).toMatchObject({ max_completion_tokens: 5 });
        expect(body).not.toHaveProperty('max_tokens');
      }
    });

    it('names the cap as configured, and logs the refusal (the upstream message, never the key)', async () => {
      const configured = await openAiAt(openAiO3, undefined, { maxTokensParameter: 'max_completion_tokens' });
      await configured.provider.converse(ask);
      expect(configured.server.requests).toHaveLength(1);
      expect(configured.server.requests[0]?.body).toMatchObject({ max_completion_tokens: 5 });
      await close?.();

      const pinned = await openAiAt(openAiO3, 'sk-test-key', { maxTokensParameter: 'max_tokens' });
      const error = (await pinned.provider.converse(ask).catch((e: unknown) => e)) as ServiceUnavailableError;
      expect(error).toBeInstanceOf(ServiceUnavailableError);
      expect(error.message).toBe('The model could not process the request.');
      expect(pinned.server.requests).toHaveLength(1);
      expect((error.cause as Error).message).toBe(
        `POST ${pinned.server.url}/v1/chat/completions answered 400 (unsupported_parameter, param max_tokens): ` +
          "Unsupported parameter: 'max_tokens' is not supported with this model. Use 'max_completion_tokens' instead.",
      );
    });

    it('logs an upstream error message with the key cut out, when the endpoint quotes it', async () => {
      const { provider } = await openAiAt(
        () => ({
          status: 401,
          body: {
            error: {
              message: 'Incorrect API key provided: sk-test-key. You can find your API key at platform.openai.com.',
              type: 'invalid_request_error',
              param: null,
              code: 'invalid_api_key',
            },
          },
        }),
        'sk-test-key',
      );
      const error = (await provider.converse(ask).catch((e: unknown) => e)) as ServiceUnavailableError;
      const logged = (error.cause as Error).message;
      expect(logged).toContain('answered 401 (invalid_api_key): Incorrect API key provided: [redacted].');
      expect(logged).not.toContain('sk-test-key');
    });

    it('honours retry-after-ms (OpenAI), waiting 1.5 s before the retry', async () => {
      vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
      const scripted = scriptedFetch((index) =>
        index === 0
          ? { status: 429, headers: { 'retry-after-ms': '1500' }, body: { error: { message: 'Rate limit reached' } } }
          : completion({ content: 'Hello.' }, 'stop'),
      );
      const provider = createOpenAiProvider({
        baseUrl: 'http://model.invalid/v1',
        modelId: 'm',
        fetch: scripted.fetch,
      });
      const answer = provider.converse(ask);
      await vi.advanceTimersByTimeAsync(1_499);
      expect(scripted.requests).toHaveLength(1);
      await vi.advanceTimersByTimeAsync(1);
      expect((await answer).message.content).toBe('Hello.');
      expect(scripted.requests).toHaveLength(2);
    });

    it('reads Retry-After as an HTTP-date against the clock, and passes a long one on', async () => {
      const now = Date.parse('2026-03-02T10:00:00Z');
      for (const status of [429, 503]) {
        const { provider, server } = await openAiAt(
          () => ({
            status,
            headers: { 'retry-after': 'Mon, 02 Mar 2026 10:00:30 GMT' },
            body: { error: { message: 'Service temporarily unavailable' } },
          }),
          undefined,
          { clock: () => now },
        );
        const error = (await provider.converse(ask).catch((e: unknown) => e)) as ServiceUnavailableError;
        expect(error.headers['Retry-After']).toBe('30');
        expect(server.requests).toHaveLength(1);
        await close?.();
        close = undefined;
      }
    });

    it('parses each form of the delay', () => {
      const now = Date.parse('2026-03-02T10:00:00Z');
      const delay = (headers: Record<string, string>) => retryDelayMs(new Headers(headers), now);
      expect(delay({})).toBeNull();
      expect(delay({ 'retry-after': '7' })).toBe(7_000);
      expect(delay({ 'retry-after-ms': '1500', 'retry-after': '2' })).toBe(1_500);
      expect(delay({ 'retry-after': 'Mon, 02 Mar 2026 10:00:01 GMT' })).toBe(1_000);
      expect(delay({ 'retry-after': 'Mon, 02 Mar 2026 09:59:00 GMT' })).toBe(0);
      expect(delay({ 'retry-after': 'soon' })).toBeNull();
      expect(delay({ 'retry-after-ms': 'x', 'retry-after': '3' })).toBe(3_000);
    });
  });
});
