import { BedrockRuntimeClient } from '@aws-sdk/client-bedrock-runtime';
import { EventStreamCodec } from '@smithy/core/event-streams';
import { fromUtf8, toUtf8 } from '@smithy/core/serde';
import { afterEach, describe, expect, it } from 'vitest';
import { catalogTools } from '../../catalog/tools';
import { ServiceUnavailableError } from '../../errors';
import { caller, memoryCatalog } from '../../testing/agent-fakes';
import { type RecordedRequest, startWireServer, type WireReply } from '../../testing/wire-server';
import { ToolRegistry } from '../../tools/registry';
import { type AgentEvent, runAgent } from '../loop';
import { complete } from '../provider';
import { createBedrockProvider } from './bedrock';

/**
 * The Bedrock provider against a loopback server speaking the Converse wire format: the real SDK client builds,
 * signs and sends the request; the server checks it and answers like Bedrock does.
 */
const MODEL = 'amazon.nova-lite-v1:0';
let close: (() => Promise<void>) | undefined;
afterEach(() => close?.());

async function bedrockAt(reply: (request: RecordedRequest, index: number) => WireReply) {
  const server = await startWireServer(reply, { http2: true });
  close = server.close;
  const client = new BedrockRuntimeClient({
    region: 'us-east-1',
    endpoint: server.url,
    credentials: { accessKeyId: 'AKIDTOOLGATETEST', secretAccessKey: 'not-a-secret' },
    maxAttempts: 1,
  });
  return { server, provider: createBedrockProvider({ client, modelId: MODEL }) };
}

const usage = { inputTokens: 100, outputTokens: 20, totalTokens: 120 };

describe('bedrock provider (Converse wire format)', () => {
  it('sends a signed Converse request with tools, executes the toolUse it gets back, and returns the answer', async () => {
    const { server, provider } = await bedrockAt((_request, index) =>
      index === 0
        ? {
            body: {
              output: {
                message: {
                  role: 'assistant',
                  content: [
                    { text: 'Let me search.' },
                    { toolUse: { toolUseId: 'tooluse_1', name: 'catalog_search', input: { q: 'gpu', limit: 2 } } },
                  ],
                },
              },
              stopReason: 'tool_use',
              usage,
              metrics: { latencyMs: 10 },
            },
          }
        : {
            body: {
              output: { message: { role: 'assistant', content: [{ text: 'The GPU A10G hour costs $1.20.' }] } },
              stopReason: 'end_turn',
              usage,
              metrics: { latencyMs: 10 },
            },
          },
    );
    const registry = new ToolRegistry(catalogTools(memoryCatalog()));

    const result = await runAgent({
      provider,
      registry,
      caller: caller(),
      messages: [{ role: 'user', content: 'How much is a GPU?' }],
      stepCap: 4,
      deadlineAt: Date.now() + 10_000,
      system: 'Be brief.',
      maxOutputTokens: 256,
    });

    expect(result.stoppedBy).toBe('answer');
    // The reply is everything the model said in the run, as a stream shows it: the text before its tool call too.
    expect(result.reply).toBe('Let me search.\n\nThe GPU A10G hour costs $1.20.');
    expect(result.usage).toEqual({ inputTokens: 200, outputTokens: 40 });
    expect(result.toolCalls).toEqual([
      expect.objectContaining({ id: 'tooluse_1', name: 'catalog_search', ok: true, input: { q: 'gpu', limit: 2 } }),
    ]);

    const [first, second] = server.requests;
    expect(first?.method).toBe('POST');
    expect(first?.path).toBe(`/model/${encodeURIComponent(MODEL)}/converse`);
    expect(String(first?.headers.authorization)).toMatch(
      /^AWS4-HMAC-SHA256 Credential=AKIDTOOLGATETEST\/\d{8}\/us-east-1\/bedrock\/aws4_request/,
    );
    expect(first?.body).toEqual({
      messages: [{ role: 'user', content: [{ text: 'How much is a GPU?' }] }],
      system: [{ text: 'Be brief.' }],
      inferenceConfig: { maxTokens: 256 },
      toolConfig: {
        tools: [
          {
            toolSpec: expect.objectContaining({
              name: 'catalog_search',
              inputSchema: { json: expect.objectContaining({ type: 'object' }) },
            }),
          },
          { toolSpec: expect.objectContaining({ name: 'catalog_get' }) },
        ],
      },
    });
    // The tool result goes back in a user turn, as a JSON document, after the assistant's toolUse turn.
    const messages = (second?.body as { messages: unknown[] } | undefined)?.messages ?? [];
    expect(messages).toHaveLength(3);
    expect(messages[1]).toEqual({
      role: 'assistant',
      content: [
        { text: 'Let me search.' },
        { toolUse: { toolUseId: 'tooluse_1', name: 'catalog_search', input: { q: 'gpu', limit: 2 } } },
      ],
    });
    expect(messages[2]).toEqual({
      role: 'user',
      content: [
        {
          toolResult: {
            toolUseId: 'tooluse_1',
            status: 'success',
            content: [{ json: { items: expect.any(Array), nextCursor: null } }],
          },
        },
      ],
    });
  });

  it('sends a plain completion without toolConfig', async () => {
    const { server, provider } = await bedrockAt(() => ({
      body: {
        output: { message: { role: 'assistant', content: [{ text: 'A short summary.' }] } },
        stopReason: 'end_turn',
        usage,
        metrics: { latencyMs: 1 },
      },
    }));
    const { text } = await complete(provider, { prompt: 'Summarize: a long text.' });
    expect(text).toBe('A short summary.');
    expect(server.requests[0]?.body).not.toHaveProperty('toolConfig');
  });

  it('maps throttling to a 503 without passing the upstream message on', async () => {
    const { provider } = await bedrockAt(() => ({
      status: 429,
      headers: { 'x-amzn-errortype': 'ThrottlingException:http://internal.amazon.com/coral/com.amazon.bedrock/' },
      body: { message: 'Too many tokens, account 123456789012' },
    }));
    const error = await provider
      .converse({ messages: [{ role: 'user', content: 'hi' }], tools: [], maxOutputTokens: 10 })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ServiceUnavailableError);
    expect((error as ServiceUnavailableError).detail).toBe('The model is busy; retry shortly.');
    expect(JSON.stringify(error)).not.toContain('123456789012');
  });

  it('gives a toolUse with an empty toolUseId an id instead of dropping the call', async () => {
    const { provider } = await bedrockAt(() => ({
      body: {
        output: {
          message: {
            role: 'assistant',
            content: [{ toolUse: { toolUseId: '', name: 'catalog_get', input: { id: 'gpu-l4-hour' } } }],
          },
        },
        stopReason: 'tool_use',
        usage,
        metrics: { latencyMs: 1 },
      },
    }));
    const response = await provider.converse({
      messages: [{ role: 'user', content: 'hi' }],
      tools: [],
      maxOutputTokens: 10,
    });
    expect(response.message.toolCalls).toEqual([
      { id: expect.stringMatching(/^[A-Za-z0-9]{9}$/), name: 'catalog_get', input: { id: 'gpu-l4-hour' } },
    ]);
  });
});

/** ConverseStream's wire format: AWS event-stream messages (binary frames), encoded by the SDK's own codec. */
const codec = new EventStreamCodec(toUtf8, fromUtf8);
const frame = (type: string, payload: object, messageType: 'event' | 'exception' = 'event') =>
  codec.encode({
    headers: {
      ':message-type': { type: 'string', value: messageType },
      [messageType === 'event' ? ':event-type' : ':exception-type']: { type: 'string', value: type },
      ':content-type': { type: 'string', value: 'application/json' },
    },
    body: fromUtf8(JSON.stringify(payload)),
  });
const eventStream = (frames: Uint8Array[]): WireReply => ({
  body: null,
  headers: { 'content-type': 'application/vnd.amazon.eventstream' },
  stream: frames,
});

describe('bedrock provider, streaming (ConverseStream)', () => {
  it('streams text as it arrives and runs a tool use assembled from its input fragments', async () => {
    const { server, provider } = await bedrockAt((_request, index) =>
      index === 0
        ? eventStream([
            frame('messageStart', { role: 'assistant', p: 'abcd' }),
            frame('contentBlockDelta', { contentBlockIndex: 0, delta: { text: 'Let me ' }, p: 'ab' }),
            frame('contentBlockDelta', { contentBlockIndex: 0, delta: { text: 'look.' }, p: 'abc' }),
            frame('contentBlockStop', { contentBlockIndex: 0, p: 'a' }),
            frame('contentBlockStart', {
              contentBlockIndex: 1,
              start: { toolUse: { toolUseId: 'tooluse_s1', name: 'catalog_get' } },
              p: 'abcdef',
            }),
            frame('contentBlockDelta', { contentBlockIndex: 1, delta: { toolUse: { input: '{"id": "gpu' } }, p: 'a' }),
            frame('contentBlockDelta', { contentBlockIndex: 1, delta: { toolUse: { input: '-l4-hour"}' } }, p: 'a' }),
            frame('contentBlockStop', { contentBlockIndex: 1, p: 'ab' }),
            frame('messageStop', { stopReason: 'tool_use', p: 'abc' }),
            frame('metadata', {
              usage: { inputTokens: 90, outputTokens: 12, totalTokens: 102 },
              metrics: { latencyMs: 5 },
            }),
          ])
        : eventStream([
            frame('messageStart', { role: 'assistant' }),
            frame('contentBlockDelta', { contentBlockIndex: 0, delta: { text: 'It is $0.80.' } }),
            frame('contentBlockStop', { contentBlockIndex: 0 }),
            frame('messageStop', { stopReason: 'end_turn' }),
            frame('metadata', {
              usage: { inputTokens: 150, outputTokens: 6, totalTokens: 156 },
              metrics: { latencyMs: 5 },
            }),
          ]),
    );
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
    expect(server.requests[0]?.path).toBe(`/model/${encodeURIComponent(MODEL)}/converse-stream`);
    expect(events).toEqual([
      { type: 'delta', text: 'Let me ' },
      { type: 'delta', text: 'look.' },
      { type: 'tool_call', id: 'tooluse_s1', name: 'catalog_get', input: { id: 'gpu-l4-hour' } },
      expect.objectContaining({ type: 'tool_result', id: 'tooluse_s1', ok: true }),
      { type: 'delta', text: '\n\n' },
      { type: 'delta', text: 'It is $0.80.' },
    ]);
    expect(result.reply).toBe('Let me look.\n\nIt is $0.80.');
    expect(result.usage).toEqual({ inputTokens: 240, outputTokens: 18 });
    // The tool result went back in the next request, for the id the stream gave.
    expect(JSON.stringify(server.requests[1]?.body)).toContain('"toolUseId":"tooluse_s1"');
  });

  it('an exception inside the stream (modelStreamErrorException) is a 503 without the upstream text', async () => {
    const { provider } = await bedrockAt(() =>
      eventStream([
        frame('messageStart', { role: 'assistant' }),
        frame('contentBlockDelta', { contentBlockIndex: 0, delta: { text: 'Hal' } }),
        frame('modelStreamErrorException', { message: 'internal model detail' }, 'exception'),
      ]),
    );
    const failure = await provider
      .converse({
        messages: [{ role: 'user', content: 'hi' }],
        tools: [],
        maxOutputTokens: 64,
        onText: () => undefined,
      })
      .catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(ServiceUnavailableError);
    expect((failure as Error).message).not.toContain('internal model detail');
  });

  it('an abort mid-stream rejects with the reason (the SDK closes the connection)', async () => {
    const { provider } = await bedrockAt(() =>
      eventStream([
        frame('messageStart', { role: 'assistant' }),
        frame('contentBlockDelta', { contentBlockIndex: 0, delta: { text: 'one ' } }),
        frame('contentBlockDelta', { contentBlockIndex: 0, delta: { text: 'two' } }),
        frame('messageStop', { stopReason: 'end_turn' }),
      ]),
    );
    const controller = new AbortController();
    const run = provider.converse({
      messages: [{ role: 'user', content: 'hi' }],
      tools: [],
      maxOutputTokens: 64,
      signal: controller.signal,
      onText: () => controller.abort(new Error('client went away')),
    });
    await expect(run).rejects.toThrow('client went away');
  });
});
