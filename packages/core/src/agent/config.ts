import { configSection } from '../config-reader';
import * as z from '../zod';

/** Used when a deployed stage names no model: on-demand in us-east-1, supports tool use through Converse. */
export const DEFAULT_BEDROCK_MODEL_ID = 'amazon.nova-lite-v1:0';

/** The dev model's id, known without loading the dev provider (which the deployed tiers load only when configured). */
export const DEV_MODEL_ID = 'toolgate-dev';

/** Which model the agent talks to. `dev` is deterministic and offline (the local default). */
export const ModelConfigSchema = z.discriminatedUnion('provider', [
  z.object({
    provider: z.literal('dev'),
    /** Simulated latency per model call, to see the deadline and the step cap at work locally. */
    latencyMs: z._default(z.int().check(z.minimum(0), z.maximum(60_000)), 0),
    /** Time per generated word, streamed or not (`pnpm dev` sets 15 so that streaming is visible; tests 0). */
    chunkDelayMs: z._default(z.int().check(z.minimum(0), z.maximum(5_000)), 0),
  }),
  z.object({
    provider: z.literal('bedrock'),
    modelId: z._default(z.string().check(z.minLength(1)), DEFAULT_BEDROCK_MODEL_ID),
    /** Defaults to the function's region. */
    region: z.optional(z.string().check(z.minLength(1))),
  }),
  z.object({
    provider: z.literal('openai'),
    /** Any OpenAI-compatible server: api.openai.com/v1, a local llama.cpp or vLLM server, a proxy. */
    baseUrl: z.url({ protocol: /^https?$/ }),
    modelId: z.string().check(z.minLength(1)),
    /** Secret (deployed: the `OpenAiApiKey` SST secret). Local servers usually need none. */
    apiKey: z.optional(z.string().check(z.minLength(1))),
    /**
     * The name of the output-token cap. Unset: `max_tokens`, switching to `max_completion_tokens` when the endpoint
     * refuses `max_tokens` (OpenAI's o-series and gpt-5). Set it to skip that first refused request, or to pin one.
     */
    maxTokensParameter: z.optional(z.enum(['max_tokens', 'max_completion_tokens'])),
  }),
]);
export type ModelConfig = z.infer<typeof ModelConfigSchema>;

/** The API Gateway integration limit is 30 s; a chat must have answered, and been saved, well before it. */
export const MAX_CHAT_DEADLINE_MS = 28_000;

export const AgentConfigSchema = z.object({
  /** Model calls one chat request may make; past it the loop answers with what it has. */
  stepCap: z._default(z.int().check(z.minimum(1), z.maximum(20)), 6),
  /** Wall-clock budget of one `POST /chat` loop, from the request's arrival. */
  chatDeadlineMs: z._default(z.int().check(z.minimum(1000), z.maximum(MAX_CHAT_DEADLINE_MS)), 25_000),
  /** Output tokens asked of the model per call. */
  maxOutputTokens: z._default(z.int().check(z.minimum(64), z.maximum(8192)), 1024),
  /** Conversations are kept this long after their last message. */
  conversationTtlDays: z._default(z.int().check(z.minimum(1), z.maximum(365)), 30),
});
export type AgentConfig = z.infer<typeof AgentConfigSchema>;

/** The `model` section: the chat loop and the worker read it (`functions/src/deps/model.ts`). */
export const MODEL_SECTION = configSection(
  'model',
  z._default(ModelConfigSchema, { provider: 'dev', latencyMs: 0, chunkDelayMs: 0 }),
);

/** The `agent` section: the chat service reads it (`functions/src/deps/chat.ts`). */
export const AGENT_SECTION = configSection('agent', z.prefault(AgentConfigSchema, {}));
