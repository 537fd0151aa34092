import * as z from '../zod';
import { ChatMessageSchema, ToolCallTraceSchema } from './provider';

/** Longer prompts belong in `POST /jobs`: a chat must answer within the gateway's 30 s. */
export const MAX_CHAT_MESSAGE_CHARS = 16_000;

export const ConversationIdSchema = z.uuid('must be a conversation id returned by POST /chat');

export const ChatRequestSchema = z.strictObject({
  message: z
    .string()
    .check(z.trim(), z.minLength(1, 'must not be empty'), z.maxLength(MAX_CHAT_MESSAGE_CHARS), z.notBlank()),
  conversationId: z
    .optional(ConversationIdSchema)
    .check(z.describe('Continue this conversation; omit to start a new one')),
});
export type ChatRequest = z.infer<typeof ChatRequestSchema>;

export const TokenUsageSchema = z.object({
  inputTokens: z.int().check(z.nonnegative()),
  outputTokens: z.int().check(z.nonnegative()),
});

export const ChatResponseSchema = z.object({
  conversationId: ConversationIdSchema,
  reply: z.string(),
  toolCalls: z.array(ToolCallTraceSchema),
  usage: TokenUsageSchema,
  /** `answer`, or why the loop ended early: `step-cap` or `deadline` (the reply then points to POST /jobs). */
  stoppedBy: z.enum(['answer', 'step-cap', 'deadline']),
});
export type ChatResponse = z.infer<typeof ChatResponseSchema>;

export const ConversationSchema = z.object({
  conversationId: ConversationIdSchema,
  createdAt: z.iso.datetime(),
  updatedAt: z.iso.datetime(),
  messages: z.array(ChatMessageSchema),
});
export type Conversation = z.infer<typeof ConversationSchema>;
