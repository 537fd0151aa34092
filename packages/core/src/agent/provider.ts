import type { ToolDefinition } from '../tools/schemas';
import * as z from '../zod';

/**
 * The model port. The agent loop speaks only these types; each provider translates them to its wire format
 * (Bedrock Converse, OpenAI Chat Completions) or answers itself (the dev model).
 */

export const ToolCallRequestSchema = z.object({
  /** The provider's id for the call, echoed back with its result. */
  id: z.string().check(z.minLength(1), z.maxLength(128)),
  name: z.string().check(z.minLength(1), z.maxLength(64)),
  /** The arguments the model produced; the registry validates them like any other input. */
  input: z.unknown(),
});
export type ToolCallRequest = z.infer<typeof ToolCallRequestSchema>;

export const ChatMessageSchema = z.discriminatedUnion('role', [
  z.object({ role: z.literal('user'), content: z.string() }),
  z.object({
    role: z.literal('assistant'),
    content: z.string(),
    toolCalls: z.optional(z.array(ToolCallRequestSchema)),
    /** The client went away while this answer streamed: `content` is what was produced until then. */
    interrupted: z.optional(z.literal(true)),
  }),
  z.object({
    role: z.literal('tool'),
    toolCallId: z.string(),
    name: z.string(),
    /** JSON text of the tool's output, or of `{ error }` when it failed. */
    content: z.string(),
    isError: z.optional(z.boolean()),
  }),
]);
export type ChatMessage = z.infer<typeof ChatMessageSchema>;
export type AssistantMessage = Extract<ChatMessage, { role: 'assistant' }>;
export type ToolMessage = Extract<ChatMessage, { role: 'tool' }>;

export interface TokenUsage {
  inputTokens: number;
  outputTokens: number;
}

export interface ModelRequest {
  system?: string;
  messages: readonly ChatMessage[];
  /** The tools the model may call (already filtered by the caller's scopes); empty for a plain completion. */
  tools: readonly ToolDefinition[];
  maxOutputTokens: number;
  signal?: AbortSignal;
  /**
   * Set by a caller that streams: the provider then asks its model for a stream and calls this with each text
   * fragment as it arrives. The returned message's `content` is exactly their concatenation.
   */
  onText?: (delta: string) => void;
}

export type StopReason = 'end_turn' | 'tool_use' | 'max_tokens' | 'other';

export interface ModelResponse {
  message: AssistantMessage;
  stopReason: StopReason;
  usage: TokenUsage;
}

export interface ModelProvider {
  readonly name: string;
  readonly modelId: string;
  /** One model turn. Throws `ServiceUnavailableError`/`GatewayTimeoutError` for upstream failures. */
  converse(request: ModelRequest): Promise<ModelResponse>;
}

export const ToolCallTraceSchema = z.object({
  id: z.string(),
  name: z.string(),
  input: z.unknown(),
  /** The model step (1-based) that asked for the call. */
  step: z.int().check(z.positive()),
  ok: z.boolean(),
  output: z.optional(z.unknown()),
  error: z.optional(z.object({ status: z.int(), title: z.string(), detail: z.optional(z.string()) })),
  durationMs: z.number().check(z.nonnegative()),
});
export type ToolCallTrace = z.infer<typeof ToolCallTraceSchema>;

export interface CompletionOptions {
  prompt: string;
  system?: string;
  maxOutputTokens?: number;
  signal?: AbortSignal;
}

/** A plain completion with no tools: one turn, text in, text out (e.g. summarizing a document). */
export async function complete(
  provider: ModelProvider,
  { prompt, system, maxOutputTokens = 1024, signal }: CompletionOptions,
): Promise<{ text: string; usage: TokenUsage }> {
  const response = await provider.converse({
    ...(system !== undefined ? { system } : {}),
    messages: [{ role: 'user', content: prompt }],
    tools: [],
    maxOutputTokens,
    ...(signal ? { signal } : {}),
  });
  return { text: response.message.content, usage: response.usage };
}

/** Rough token count (~4 characters per token) for providers that report none. */
export function estimateTokens(text: string): number {
  return Math.ceil(text.length / 4);
}

/** Rough input tokens of a request: what a model call is charged when it reports none (dev, an aborted stream). */
export function estimateInputTokens(request: Pick<ModelRequest, 'system' | 'messages' | 'tools'>): number {
  return estimateTokens(
    (request.system ?? '') +
      request.messages.map((m) => m.content).join('\n') +
      JSON.stringify(request.tools.map((tool) => tool.inputSchema)),
  );
}
