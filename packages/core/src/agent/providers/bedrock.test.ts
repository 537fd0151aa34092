import { BedrockRuntimeClient } from '@aws-sdk/client-bedrock-runtime';
import { afterEach, describe, expect, it } from 'vitest';
import { catalogTools } from '../../catalog/tools';
import { ServiceUnavailableError } from '../../errors';
import { caller, memoryCatalog } from '../../testing/agent-fakes';
import { type RecordedRequest, startWireServer, type WireReply } from '../../testing/wire-server';
import { ToolRegistry } from '../../tools/registry';
import { runAgent } from '../loop';
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
    expect(result.reply).toBe('The GPU A10G hour costs $1.20.');
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
