import { describe, expect, it } from 'vitest';
import { readConfig } from '../config-schema';
import { trimHistory } from './aws/conversations';
import { DEFAULT_BEDROCK_MODEL_ID } from './config';
import type { ChatMessage } from './provider';
import { complete } from './provider';
import { createModelProvider } from './providers';
import { createDevProvider } from './providers/dev';
import { readIntent } from './providers/dev-plan';

describe('dev model intent', () => {
  it.each([
    ['Find the cheapest GPU', { search: { q: 'gpu', limit: 5 }, pick: 'cheapest', ids: [], account: false }],
    ['compare every compute product', { search: { category: 'compute', limit: 20 }, pick: 'all' }],
    ['tell me about gpu-l4-hour', { search: null, ids: ['gpu-l4-hour'] }],
    ['What is my plan and usage?', { account: true, search: null }],
    ['show me datasets about speech', { search: { q: 'speech', category: 'datasets', limit: 5 } }],
    ['hello', { account: false, ids: [], search: null }],
  ])('%s', (text, expected) => {
    expect(readIntent(text)).toMatchObject(expected);
  });

  it('answers a "Summarize:" completion with the first sentences, deterministically', async () => {
    const { text } = await complete(createDevProvider(), {
      prompt: 'Summarize the document:\nToolgate is an API. It serves agents. It runs on Lambda. It is free.',
    });
    expect(text).toBe('Summary: Toolgate is an API. It serves agents.');
  });
});

describe('conversation history bound', () => {
  it('drops whole turns from the start, never separating a tool result from its call', () => {
    const turn = (i: number): ChatMessage[] => [
      { role: 'user', content: `question ${i}` },
      { role: 'assistant', content: '', toolCalls: [{ id: `c${i}`, name: 'catalog_get', input: {} }] },
      { role: 'tool', toolCallId: `c${i}`, name: 'catalog_get', content: '{}' },
      { role: 'assistant', content: `answer ${i}` },
    ];
    const history = Array.from({ length: 20 }, (_, i) => turn(i)).flat();
    const trimmed = trimHistory(history);
    expect(trimmed.length).toBeLessThanOrEqual(60);
    expect(trimmed[0]).toEqual({ role: 'user', content: 'question 5' });
    expect(trimHistory(history.slice(0, 8))).toHaveLength(8);
    const huge: ChatMessage[] = [
      ...turn(0),
      { role: 'user', content: 'x'.repeat(400_000) },
      { role: 'assistant', content: 'ok' },
    ];
    expect(trimHistory(huge)).toEqual([]);
  });
});

describe('model configuration', () => {
  const auth = JSON.stringify({ kind: 'local', issuer: 'x', clientIds: ['c'], jwksUri: 'http://127.0.0.1/jwks' });
  const base = { TOOLGATE_TABLE_NAME: 't', TOOLGATE_BUCKET_NAME: 'b', TOOLGATE_AUTH: auth };

  it('defaults to the dev model locally, with a 6-step cap and a deadline under the 30 s gateway limit', () => {
    const config = readConfig(base);
    expect(config.model).toEqual({ provider: 'dev', latencyMs: 0, chunkDelayMs: 0 });
    expect(config.agent).toEqual({
      stepCap: 6,
      chatDeadlineMs: 25_000,
      maxOutputTokens: 1024,
      conversationTtlDays: 30,
    });
    expect(createModelProvider(config.model, { region: 'us-east-1' }).name).toBe('dev');
  });

  it('selects an OpenAI-compatible endpoint or Bedrock by environment, and refuses a deadline past 28 s', () => {
    const openai = readConfig({
      ...base,
      TOOLGATE_MODEL_PROVIDER: 'openai',
      TOOLGATE_OPENAI_BASE_URL: 'http://127.0.0.1:8080/v1',
      TOOLGATE_MODEL_ID: 'llama',
      TOOLGATE_AGENT_STEP_CAP: '3',
    });
    expect(openai.model).toEqual({ provider: 'openai', baseUrl: 'http://127.0.0.1:8080/v1', modelId: 'llama' });
    expect(openai.agent.stepCap).toBe(3);
    expect(readConfig({ ...base, TOOLGATE_MODEL_PROVIDER: 'bedrock' }).model).toEqual({
      provider: 'bedrock',
      modelId: DEFAULT_BEDROCK_MODEL_ID,
    });
    expect(() => readConfig({ ...base, TOOLGATE_CHAT_DEADLINE_MS: '29000' })).toThrow(/agent.chatDeadlineMs/);
    const o3 = {
      ...base,
      TOOLGATE_MODEL_PROVIDER: 'openai',
      TOOLGATE_OPENAI_BASE_URL: 'https://api.openai.com/v1',
      TOOLGATE_MODEL_ID: 'o3-mini',
    };
    expect(readConfig({ ...o3, TOOLGATE_OPENAI_MAX_TOKENS_PARAMETER: 'max_completion_tokens' }).model).toMatchObject({
      maxTokensParameter: 'max_completion_tokens',
    });
    expect(() => readConfig({ ...o3, TOOLGATE_OPENAI_MAX_TOKENS_PARAMETER: 'max_output_tokens' })).toThrow(
      /model.maxTokensParameter/,
    );
    expect(() => readConfig({ ...base, TOOLGATE_MODEL_PROVIDER: 'openai' })).toThrow(/model/);
  });

  it('deployed: Bedrock by default, the OpenAI key only from its secret', () => {
    const resources = {
      App: { stage: 'prod' },
      Table: { name: 't' },
      Uploads: { name: 'b' },
      Auth: { kind: 'cognito', userPoolId: 'us-east-1_abc', clientIds: ['c'] },
    };
    const env = { AWS_REGION: 'us-east-1', SST_RESOURCE_App: '{}' };
    expect(readConfig(env, resources).model).toEqual({ provider: 'bedrock', modelId: DEFAULT_BEDROCK_MODEL_ID });
    const openai = readConfig(env, {
      ...resources,
      Settings: { model: JSON.stringify({ provider: 'openai', baseUrl: 'https://api.example.com/v1', modelId: 'm' }) },
      OpenAiApiKey: { value: 'sk-secret' },
    });
    expect(openai.model).toEqual({
      provider: 'openai',
      baseUrl: 'https://api.example.com/v1',
      modelId: 'm',
      apiKey: 'sk-secret',
    });
  });
});
