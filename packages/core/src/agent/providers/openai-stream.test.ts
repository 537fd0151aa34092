import { afterEach, describe, expect, it } from 'vitest';
import { catalogTools } from '../../catalog/tools';
import { ServiceUnavailableError } from '../../errors';
import { caller, memoryCatalog } from '../../testing/agent-fakes';
import { type RecordedRequest, startWireServer, type WireReply } from '../../testing/wire-server';
import { ToolRegistry } from '../../tools/registry';
import { type AgentEvent, runAgent } from '../loop';
import { createOpenAiProvider } from './openai';

/**
 * The OpenAI-compatible provider streaming (`stream: true`) against a loopback server that writes recorded SSE bodies
 * byte for byte, as OpenAI, llama.cpp, Ollama and vLLM send them (issue 18).
 */
let close: (() => Promise<void>) | undefined;
afterEach(() => close?.());

async function serverWith(reply: (request: RecordedRequest, index: number) => WireReply) {
  const server = await startWireServer(reply);
  close = server.close;
  return {
    server,
    provider: createOpenAiProvider({ baseUrl: `${server.url}/v1`, modelId: 'm' }),
  };
}

/** SSE `data:` lines, each event written as its own piece (a server flushing per token). */
const sse = (...events: (object | '[DONE]')[]) =>
  events.map((event) => `data: ${event === '[DONE]' ? event : JSON.stringify(event)}\n\n`);

const ask = (onText: (text: string) => void, signal?: AbortSignal) => ({
  messages: [{ role: 'user' as const, content: 'hi' }],
  tools: [],
  maxOutputTokens: 64,
  onText,
  ...(signal ? { signal } : {}),
});

// Recorded from api.openai.com (gpt-4o-mini, stream_options.include_usage): usage on a last chunk with no choices.
const OPENAI_TEXT = sse(
  {
    id: 'chatcmpl-AB1',
    object: 'chat.completion.chunk',
    created: 1754380000,
    model: 'gpt-4o-mini-2024-07-18',
    system_fingerprint: 'fp_0ba0d124f1',
    choices: [
      { index: 0, delta: { role: 'assistant', content: '', refusal: null }, logprobs: null, finish_reason: null },
    ],
    usage: null,
  },
  {
    id: 'chatcmpl-AB1',
    object: 'chat.completion.chunk',
    created: 1754380000,
    model: 'gpt-4o-mini-2024-07-18',
    system_fingerprint: 'fp_0ba0d124f1',
    choices: [{ index: 0, delta: { content: 'Hello' }, logprobs: null, finish_reason: null }],
    usage: null,
  },
  {
    id: 'chatcmpl-AB1',
    object: 'chat.completion.chunk',
    created: 1754380000,
    model: 'gpt-4o-mini-2024-07-18',
    system_fingerprint: 'fp_0ba0d124f1',
    choices: [{ index: 0, delta: { content: ' there!' }, logprobs: null, finish_reason: null }],
    usage: null,
  },
  {
    id: 'chatcmpl-AB1',
    object: 'chat.completion.chunk',
    created: 1754380000,
    model: 'gpt-4o-mini-2024-07-18',
    system_fingerprint: 'fp_0ba0d124f1',
    choices: [{ index: 0, delta: {}, logprobs: null, finish_reason: 'stop' }],
    usage: null,
  },
  {
    id: 'chatcmpl-AB1',
    object: 'chat.completion.chunk',
    created: 1754380000,
    model: 'gpt-4o-mini-2024-07-18',
    system_fingerprint: 'fp_0ba0d124f1',
    choices: [],
    usage: {
      prompt_tokens: 9,
      completion_tokens: 3,
      total_tokens: 12,
      prompt_tokens_details: { cached_tokens: 0, audio_tokens: 0 },
      completion_tokens_details: { reasoning_tokens: 0, audio_tokens: 0 },
    },
  },
  '[DONE]',
);

// OpenAI: a tool call's arguments arrive in fragments, the id and name only on its first fragment.
const OPENAI_TOOL_CALL = sse(
  {
    id: 'chatcmpl-AB2',
    object: 'chat.completion.chunk',
    model: 'gpt-4o-mini-2024-07-18',
    choices: [
      {
        index: 0,
        delta: {
          role: 'assistant',
          content: null,
          tool_calls: [
            { index: 0, id: 'call_Xq1', type: 'function', function: { name: 'catalog_get', arguments: '' } },
          ],
          refusal: null,
        },
        logprobs: null,
        finish_reason: null,
      },
    ],
    usage: null,
  },
  {
    id: 'chatcmpl-AB2',
    object: 'chat.completion.chunk',
    model: 'gpt-4o-mini-2024-07-18',
    choices: [
      { index: 0, delta: { tool_calls: [{ index: 0, function: { arguments: '{"id":' } }] }, finish_reason: null },
    ],
    usage: null,
  },
  {
    id: 'chatcmpl-AB2',
    object: 'chat.completion.chunk',
    model: 'gpt-4o-mini-2024-07-18',
    choices: [
      {
        index: 0,
        delta: { tool_calls: [{ index: 0, function: { arguments: '"gpu-l4-hour"}' } }] },
        finish_reason: null,
      },
    ],
    usage: null,
  },
  {
    id: 'chatcmpl-AB2',
    object: 'chat.completion.chunk',
    model: 'gpt-4o-mini-2024-07-18',
    choices: [{ index: 0, delta: {}, logprobs: null, finish_reason: 'tool_calls' }],
    usage: null,
  },
  {
    id: 'chatcmpl-AB2',
    object: 'chat.completion.chunk',
    model: 'gpt-4o-mini-2024-07-18',
    choices: [],
    usage: { prompt_tokens: 120, completion_tokens: 18, total_tokens: 138 },
  },
  '[DONE]',
);

// llama.cpp's server (b5000-era): role chunk with null content, usage and timings on the finishing chunk.
const LLAMA_CPP_TEXT = sse(
  {
    choices: [{ finish_reason: null, index: 0, delta: { role: 'assistant', content: null } }],
    created: 1754380100,
    id: 'chatcmpl-Vb3xk',
    model: 'gpt-3.5-turbo',
    system_fingerprint: 'b5002-2c3f8b85',
    object: 'chat.completion.chunk',
  },
  {
    choices: [{ finish_reason: null, index: 0, delta: { content: 'Hi' } }],
    created: 1754380100,
    id: 'chatcmpl-Vb3xk',
    model: 'gpt-3.5-turbo',
    system_fingerprint: 'b5002-2c3f8b85',
    object: 'chat.completion.chunk',
  },
  {
    choices: [{ finish_reason: null, index: 0, delta: { content: '!' } }],
    created: 1754380100,
    id: 'chatcmpl-Vb3xk',
    model: 'gpt-3.5-turbo',
    system_fingerprint: 'b5002-2c3f8b85',
    object: 'chat.completion.chunk',
  },
  {
    choices: [{ finish_reason: 'stop', index: 0, delta: {} }],
    created: 1754380100,
    id: 'chatcmpl-Vb3xk',
    model: 'gpt-3.5-turbo',
    system_fingerprint: 'b5002-2c3f8b85',
    object: 'chat.completion.chunk',
    usage: { completion_tokens: 2, prompt_tokens: 14, total_tokens: 16 },
    timings: { prompt_n: 14, prompt_ms: 31.2, predicted_n: 2, predicted_ms: 18.4 },
  },
  '[DONE]',
);

// Ollama's /v1 (0.6-era): a whole tool call in one chunk, `finish_reason: "stop"` even for it, usage chunk last.
const OLLAMA_TOOL_CALL = sse(
  {
    id: 'chatcmpl-512',
    object: 'chat.completion.chunk',
    created: 1754380200,
    model: 'llama3.2',
    system_fingerprint: 'fp_ollama',
    choices: [
      {
        index: 0,
        delta: {
          role: 'assistant',
          content: '',
          tool_calls: [
            {
              id: 'call_k2x8p1',
              index: 0,
              type: 'function',
              function: { name: 'catalog_get', arguments: '{"id":"gpu-l4-hour"}' },
            },
          ],
        },
        finish_reason: null,
      },
    ],
  },
  {
    id: 'chatcmpl-512',
    object: 'chat.completion.chunk',
    created: 1754380200,
    model: 'llama3.2',
    system_fingerprint: 'fp_ollama',
    choices: [{ index: 0, delta: { role: 'assistant', content: '' }, finish_reason: 'stop' }],
  },
  {
    id: 'chatcmpl-512',
    object: 'chat.completion.chunk',
    created: 1754380200,
    model: 'llama3.2',
    system_fingerprint: 'fp_ollama',
    choices: [],
    usage: { prompt_tokens: 160, completion_tokens: 21, total_tokens: 181 },
  },
  '[DONE]',
);

// vLLM (0.8-era, a reasoning model): `reasoning_content` deltas (not the answer), `usage: null` on every chunk.
const VLLM_TEXT = sse(
  {
    id: 'chatcmpl-9f2',
    object: 'chat.completion.chunk',
    created: 1754380300,
    model: 'Qwen/Qwen3-8B',
    choices: [{ index: 0, delta: { role: 'assistant', content: '' }, logprobs: null, finish_reason: null }],
    usage: null,
  },
  {
    id: 'chatcmpl-9f2',
    object: 'chat.completion.chunk',
    created: 1754380300,
    model: 'Qwen/Qwen3-8B',
    choices: [{ index: 0, delta: { reasoning_content: 'The user greets.' }, logprobs: null, finish_reason: null }],
    usage: null,
  },
  {
    id: 'chatcmpl-9f2',
    object: 'chat.completion.chunk',
    created: 1754380300,
    model: 'Qwen/Qwen3-8B',
    choices: [{ index: 0, delta: { content: 'Hello.' }, logprobs: null, finish_reason: 'stop', stop_reason: null }],
    usage: null,
  },
  {
    id: 'chatcmpl-9f2',
    object: 'chat.completion.chunk',
    created: 1754380300,
    model: 'Qwen/Qwen3-8B',
    choices: [],
    usage: { prompt_tokens: 11, total_tokens: 30, completion_tokens: 19 },
  },
  '[DONE]',
);

describe('openai-compatible provider, streaming (stream: true, parsed by eventsource-parser)', () => {
  it('asks for a stream with usage, passes text as it arrives and reads usage from the last chunk (OpenAI)', async () => {
    const { server, provider } = await serverWith(() => ({ body: null, stream: OPENAI_TEXT }));
    const pieces: string[] = [];
    const response = await provider.converse(ask((text) => pieces.push(text)));
    expect(pieces).toEqual(['Hello', ' there!']);
    expect(response).toEqual({
      message: { role: 'assistant', content: 'Hello there!' },
      stopReason: 'end_turn',
      usage: { inputTokens: 9, outputTokens: 3 },
    });
    const sent = server.requests[0];
    expect(sent?.body).toMatchObject({ stream: true, stream_options: { include_usage: true } });
    expect(sent?.headers.accept).toBe('text/event-stream');
  });

  it.each([
    ['llama.cpp', LLAMA_CPP_TEXT, 'Hi!', { inputTokens: 14, outputTokens: 2 }],
    ['vLLM (reasoning left out)', VLLM_TEXT, 'Hello.', { inputTokens: 11, outputTokens: 19 }],
  ])('reads %s text streams', async (_name, stream, text, usage) => {
    const { provider } = await serverWith(() => ({ body: null, stream }));
    let streamed = '';
    const response = await provider.converse(ask((piece) => (streamed += piece)));
    expect(streamed).toBe(text);
    expect(response.message.content).toBe(text);
    expect(response.usage).toEqual(usage);
  });

  it.each([
    ['OpenAI (fragments by index)', OPENAI_TOOL_CALL, 'call_Xq1'],
    ['Ollama (one chunk, finish_reason stop)', OLLAMA_TOOL_CALL, 'call_k2x8p1'],
  ])('assembles tool calls mid-stream: %s, and the loop runs them', async (_name, toolStream, id) => {
    const answer = sse(
      { choices: [{ index: 0, delta: { content: 'It is ' }, finish_reason: null }] },
      { choices: [{ index: 0, delta: { content: '$0.80.' }, finish_reason: 'stop' }] },
      { choices: [], usage: { prompt_tokens: 200, completion_tokens: 5 } },
      '[DONE]',
    );
    const { server, provider } = await serverWith((_request, index) => ({
      body: null,
      stream: index === 0 ? toolStream : answer,
    }));
    const events: AgentEvent[] = [];
    const result = await runAgent({
      provider,
      registry: new ToolRegistry(catalogTools(memoryCatalog())),
      caller: caller(),
      messages: [{ role: 'user', content: 'price of the L4?' }],
      stepCap: 3,
      deadlineAt: Date.now() + 10_000,
      onEvent: (event) => events.push(event),
    });
    expect(events.map((event) => event.type)).toEqual(['tool_call', 'tool_result', 'delta', 'delta']);
    expect(events[0]).toEqual({ type: 'tool_call', id, name: 'catalog_get', input: { id: 'gpu-l4-hour' } });
    expect(events[1]).toMatchObject({ type: 'tool_result', id, name: 'catalog_get', ok: true });
    expect(result.reply).toBe('It is $0.80.');
    // The call went back to the model with its id and its result.
    const second = server.requests[1]?.body as { messages: { role: string; tool_call_id?: string }[] };
    expect(second.messages.find((message) => message.role === 'tool')?.tool_call_id).toBe(id);
  });

  it('an error chunk after the stream started (vLLM) is a 503, its message in the cause', async () => {
    const { provider } = await serverWith(() => ({
      body: null,
      stream: [
        ...sse({ choices: [{ index: 0, delta: { content: 'Hel' }, finish_reason: null }] }),
        `data: ${JSON.stringify({ error: { object: 'error', message: 'KV cache exhausted', type: 'InternalServerError', code: 500 } })}\n\n`,
      ],
    }));
    const failure = await provider.converse(ask(() => undefined)).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(ServiceUnavailableError);
    expect(((failure as Error).cause as Error).message).toContain('KV cache exhausted');
  });

  it('a stream that breaks off (no finish reason, no [DONE]) is a 503, not a short answer', async () => {
    const { provider } = await serverWith(() => ({
      body: null,
      stream: sse({ choices: [{ index: 0, delta: { content: 'Hel' }, finish_reason: null }] }),
    }));
    await expect(provider.converse(ask(() => undefined))).rejects.toBeInstanceOf(ServiceUnavailableError);
  });

  it('an abort mid-stream stops reading and rejects with the reason', async () => {
    const { provider } = await serverWith(() => ({ body: null, stream: OPENAI_TEXT }));
    const controller = new AbortController();
    const run = provider.converse(ask(() => controller.abort(new Error('client went away')), controller.signal));
    await expect(run).rejects.toThrow('client went away');
  });

  it('a server that ignores stream: true and answers JSON is read as JSON', async () => {
    const { provider } = await serverWith(() => ({
      body: {
        choices: [{ index: 0, message: { role: 'assistant', content: 'whole' }, finish_reason: 'stop' }],
        usage: { prompt_tokens: 3, completion_tokens: 1 },
      },
    }));
    const response = await provider.converse(ask(() => undefined));
    expect(response.message.content).toBe('whole');
  });
});
