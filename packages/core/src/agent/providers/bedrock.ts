import {
  BedrockRuntimeClient,
  type ContentBlock,
  ConverseCommand,
  type ConverseCommandInput,
  type ConverseCommandOutput,
  ConverseStreamCommand,
  type ConverseStreamOutput,
  type Message,
  type Tool,
  type ToolResultContentBlock,
} from '@aws-sdk/client-bedrock-runtime';
import { withClientPlugins } from '../../data/aws-client-plugins';
import { GatewayTimeoutError, ServiceUnavailableError } from '../../errors';
import { bedrockToolSpec } from '../../tools/schemas';
import type {
  AssistantMessage,
  ChatMessage,
  ModelProvider,
  ModelRequest,
  ModelResponse,
  StopReason,
  ToolCallRequest,
} from '../provider';
import { toolCallIds } from './tool-call-id';

type DocumentValue = NonNullable<Extract<ToolResultContentBlock, { json: unknown }>['json']>;

function toolResultContent(content: string): ToolResultContentBlock[] {
  try {
    const value: unknown = JSON.parse(content);
    // Converse takes a JSON document only when it is an object; anything else goes as text.
    if (value && typeof value === 'object' && !Array.isArray(value)) return [{ json: value as DocumentValue }];
  } catch {
    // not JSON: send as text
  }
  return [{ text: content }];
}

/**
 * Our messages → Converse messages. Converse wants strictly alternating user/assistant turns, tool results inside
 * a *user* turn, and no empty text blocks; consecutive same-role blocks are merged into one turn.
 */
export function toConverseMessages(messages: readonly ChatMessage[]): Message[] {
  const turns: Message[] = [];
  const push = (role: 'user' | 'assistant', blocks: ContentBlock[]) => {
    const last = turns.at(-1);
    if (last && last.role === role) last.content = [...(last.content ?? []), ...blocks];
    else turns.push({ role, content: blocks });
  };
  for (const message of messages) {
    switch (message.role) {
      case 'user':
        push('user', [{ text: message.content.trim() ? message.content : '(empty message)' }]);
        break;
      case 'assistant': {
        const blocks: ContentBlock[] = [];
        if (message.content.trim()) blocks.push({ text: message.content });
        for (const call of message.toolCalls ?? []) {
          blocks.push({ toolUse: { toolUseId: call.id, name: call.name, input: (call.input ?? {}) as DocumentValue } });
        }
        push('assistant', blocks.length > 0 ? blocks : [{ text: '(no answer)' }]);
        break;
      }
      case 'tool':
        push('user', [
          {
            toolResult: {
              toolUseId: message.toolCallId,
              content: toolResultContent(message.content),
              status: message.isError ? 'error' : 'success',
            },
          },
        ]);
        break;
    }
  }
  return turns;
}

function fromConverseOutput(output: ConverseCommandOutput): ModelResponse {
  const blocks = output.output?.message?.content ?? [];
  const text = blocks
    .map((block) => block.text ?? '')
    .filter(Boolean)
    .join('\n');
  // A toolUse with an empty or missing id (a Converse-compatible proxy) is still a call the model made: dropping it
  // would end the turn with no answer. It gets an id, as the OpenAI-compatible provider gives one.
  const uses = blocks.flatMap((block) => (block.toolUse?.name ? [block.toolUse] : []));
  const ids = toolCallIds(uses.map((use) => use.toolUseId));
  const toolCalls: ToolCallRequest[] = uses.map((use, index) => ({
    id: ids[index] as string,
    name: use.name as string,
    input: use.input ?? {},
  }));
  const message: AssistantMessage = { role: 'assistant', content: text, ...(toolCalls.length ? { toolCalls } : {}) };
  const stop = output.stopReason;
  const stopReason: StopReason =
    stop === 'end_turn' || stop === 'tool_use' || stop === 'max_tokens'
      ? stop
      : stop === 'stop_sequence'
        ? 'end_turn'
        : 'other';
  return {
    message,
    stopReason,
    usage: { inputTokens: output.usage?.inputTokens ?? 0, outputTokens: output.usage?.outputTokens ?? 0 },
  };
}

const RETRYABLE = new Set([
  'ThrottlingException',
  'ServiceUnavailableException',
  'ModelNotReadyException',
  'InternalServerException',
  'ServiceQuotaExceededException',
]);

/** Upstream failures become 503/504 with a fixed detail: the model's error text is never passed to the caller. */
function upstreamError(error: unknown): Error {
  const name = (error as { name?: string })?.name ?? '';
  if (name === 'ModelTimeoutException') {
    return new GatewayTimeoutError('The model did not answer in time; retry later.', 2, { cause: error });
  }
  return new ServiceUnavailableError(
    RETRYABLE.has(name) ? 'The model is busy; retry shortly.' : 'The model could not process the request.',
    RETRYABLE.has(name) ? 2 : 30,
    { cause: error },
  );
}

export function createBedrockClient(region: string): BedrockRuntimeClient {
  // The loop's deadline bounds every call; SDK retries inside it are still useful for throttling.
  return withClientPlugins(new BedrockRuntimeClient({ region, maxAttempts: 2 }));
}

/** The exceptions ConverseStream reports inside the stream, after it started. */
const STREAM_EXCEPTIONS = [
  'internalServerException',
  'modelStreamErrorException',
  'validationException',
  'throttlingException',
  'serviceUnavailableException',
] as const;

/**
 * A ConverseStream answer read as it comes: text passed to `onText` as it arrives (a new text block after another
 * starts on a new line, as `fromConverseOutput` joins them), tool uses assembled from their `contentBlockStart` and
 * the input fragments of their deltas, usage from the `metadata` event.
 */
export async function fromConverseStream(
  stream: AsyncIterable<ConverseStreamOutput>,
  onText: (text: string) => void,
  signal?: AbortSignal,
): Promise<ModelResponse> {
  let text = '';
  let lastTextBlock: number | undefined;
  const uses = new Map<number, { toolUseId?: string; name: string; input: string }>();
  let stop: string | undefined;
  let usage = { inputTokens: 0, outputTokens: 0 };
  for await (const event of stream) {
    // An abort closes the connection, and the SDK then ends the iteration quietly: the answer is not complete.
    if (signal?.aborted) throw signal.reason;
    for (const name of STREAM_EXCEPTIONS) {
      const exception = event[name as keyof ConverseStreamOutput] as { message?: string } | undefined;
      if (exception) {
        const type = `${name[0]?.toUpperCase()}${name.slice(1)}`;
        throw upstreamError(Object.assign(new Error(exception.message ?? type), { name: type }));
      }
    }
    const start = event.contentBlockStart;
    if (start?.start?.toolUse) {
      uses.set(start.contentBlockIndex ?? uses.size, {
        ...(start.start.toolUse.toolUseId ? { toolUseId: start.start.toolUse.toolUseId } : {}),
        name: start.start.toolUse.name ?? '',
        input: '',
      });
    }
    const delta = event.contentBlockDelta;
    if (delta?.delta?.text) {
      const index = delta.contentBlockIndex ?? 0;
      const piece = `${lastTextBlock !== undefined && lastTextBlock !== index && text ? '\n' : ''}${delta.delta.text}`;
      lastTextBlock = index;
      text += piece;
      onText(piece);
    }
    if (delta?.delta?.toolUse?.input !== undefined) {
      const use = uses.get(delta.contentBlockIndex ?? 0);
      if (use) use.input += delta.delta.toolUse.input;
    }
    if (event.messageStop) stop = event.messageStop.stopReason;
    if (event.metadata?.usage) {
      usage = {
        inputTokens: event.metadata.usage.inputTokens ?? 0,
        outputTokens: event.metadata.usage.outputTokens ?? 0,
      };
    }
  }
  if (signal?.aborted) throw signal.reason;
  if (stop === undefined) {
    throw new ServiceUnavailableError('The model stream broke off; retry shortly.', 2, {
      cause: new Error('ConverseStream ended without messageStop'),
    });
  }
  const blocks: ContentBlock[] = [
    ...(text ? [{ text }] : []),
    ...[...uses.entries()]
      .sort(([a], [b]) => a - b)
      .map(([, use]) => {
        let input: unknown = {};
        try {
          input = use.input ? JSON.parse(use.input) : {};
        } catch {
          input = use.input;
        }
        return { toolUse: { toolUseId: use.toolUseId, name: use.name, input: input as DocumentValue } } as ContentBlock;
      }),
  ];
  return fromConverseOutput({
    output: { message: { role: 'assistant', content: blocks } },
    stopReason: stop as ConverseCommandOutput['stopReason'],
    usage: { ...usage, totalTokens: usage.inputTokens + usage.outputTokens },
    metrics: undefined,
    $metadata: {},
  });
}

/** Amazon Bedrock through the Converse API (one request shape for every model that supports tool use). */
export function createBedrockProvider(options: { client: BedrockRuntimeClient; modelId: string }): ModelProvider {
  const { client, modelId } = options;
  return {
    name: 'bedrock',
    modelId,
    async converse(request: ModelRequest): Promise<ModelResponse> {
      const input: ConverseCommandInput = {
        modelId,
        messages: toConverseMessages(request.messages),
        ...(request.system ? { system: [{ text: request.system }] } : {}),
        inferenceConfig: { maxTokens: request.maxOutputTokens },
        ...(request.tools.length > 0
          ? { toolConfig: { tools: request.tools.map((tool) => bedrockToolSpec(tool) as Tool) } }
          : {}),
      };
      // The signal reaches the SDK's HTTP handler: an abort closes the connection, and Bedrock stops generating.
      const sendOptions = request.signal ? { abortSignal: request.signal } : {};
      try {
        if (request.onText) {
          const output = await client.send(new ConverseStreamCommand(input), sendOptions);
          if (!output.stream) throw new Error('ConverseStream answered without a stream');
          return await fromConverseStream(output.stream, request.onText, request.signal);
        }
        return fromConverseOutput(await client.send(new ConverseCommand(input), sendOptions));
      } catch (error) {
        if (request.signal?.aborted) throw request.signal.reason;
        if (error instanceof ServiceUnavailableError || error instanceof GatewayTimeoutError) throw error;
        throw upstreamError(error);
      }
    },
  };
}
