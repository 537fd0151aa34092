import type { Caller } from '../auth/verifier';
import { type Clock, systemClock } from '../clock';
import { isToolgateError } from '../errors';
import type { ToolRegistry } from '../tools/registry';
import { toolDefinition } from '../tools/schemas';
import { DeadlineReached, raceAbort, STEP_SEPARATOR, stopSuffix, toolContent } from './loop-parts';
import {
  type ChatMessage,
  estimateInputTokens,
  estimateTokens,
  type ModelProvider,
  type ModelRequest,
  type TokenUsage,
  type ToolCallRequest,
  type ToolCallTrace,
  type ToolMessage,
} from './provider';

export const DEFAULT_SYSTEM_PROMPT =
  'You are the toolgate assistant. Answer the user briefly and precisely. Use the tools to look up products, prices ' +
  'and the account instead of guessing; prices are in US cents. When a tool fails, say so plainly.';

export type StoppedBy = 'answer' | 'step-cap' | 'deadline';

/**
 * What a run produces as it goes, for a caller that streams: text as the model writes it, each tool call as it
 * starts and its result when it ends. The `delta` texts concatenate to the run's `reply`.
 */
export type AgentEvent =
  | { type: 'delta'; text: string }
  | { type: 'tool_call'; id: string; name: string; input: unknown }
  | {
      type: 'tool_result';
      id: string;
      name: string;
      ok: boolean;
      error?: NonNullable<ToolCallTrace['error']>;
      durationMs: number;
    };

export interface RunAgentOptions {
  provider: ModelProvider;
  registry: ToolRegistry;
  /** Every tool call runs as this caller, with this caller's scopes: the model never gains rights of its own. */
  caller: Caller;
  /** The conversation so far, ending with the new user message. */
  messages: ChatMessage[];
  /** Model calls this run may make. */
  stepCap: number;
  /** Epoch ms by which the run must have returned (HTTP: safely under the gateway's 30 s; a job: minutes). */
  deadlineAt: number;
  signal?: AbortSignal;
  system?: string;
  maxOutputTokens?: number;
  /** Called for tool failures that are not the caller's fault (bugs, outages), so the adapter can log them. */
  onToolError?: (error: unknown, call: ToolCallRequest) => void;
  /** Set to stream: the model is asked for a stream, and every event is passed here as it happens. */
  onEvent?: (event: AgentEvent) => void;
  now?: Clock;
}

export interface AgentResult {
  /** Everything the model said in this run (steps joined by a blank line), and why it stopped if not an answer. */
  reply: string;
  /** `options.messages` followed by everything this run added, ending with an assistant message. */
  messages: ChatMessage[];
  toolCalls: ToolCallTrace[];
  usage: TokenUsage;
  stoppedBy: StoppedBy;
  /** False when the model produced nothing at all (no text, no tool call) before the run ended. */
  modelAnswered: boolean;
}

/**
 * The caller went away (`signal` aborted) mid-run. `partial` is the run as far as it got, ready to be saved and
 * charged: the history ends with an assistant message marked `interrupted` holding the text produced so far, every
 * tool call has a result, and `usage` includes an estimate for the model call that was cut off.
 */
export class AgentInterruptedError extends Error {
  constructor(
    readonly partial: Omit<AgentResult, 'stoppedBy'>,
    reason: unknown,
  ) {
    super(`agent interrupted: ${reason instanceof Error ? reason.message : String(reason)}`, { cause: reason });
    this.name = 'AgentInterruptedError';
  }
}

/**
 * Tool calls run per model step. A chat or a job is counted once (its class, its tokens), but one model answer can
 * ask for any number of tool calls, each a paid DynamoDB query or read: without a cap, one chat request could run
 * thousands (a prompt-injected document only has to ask). Calls past the cap get a "not run" result, so the model
 * learns why, and the history stays valid (every call has its result).
 */
export const MAX_TOOL_CALLS_PER_STEP = 8;

/**
 * The tool-calling loop: ask the model, run the tools it asks for as the caller, feed the results back, until it
 * answers, the step cap is reached or the deadline passes. The last two end the run cleanly with a reply that says
 * so (and points to `POST /jobs`), never with an error, so the conversation stays consistent. A caller abort ends it
 * with `AgentInterruptedError`, which carries what was produced.
 */
export async function runAgent(options: RunAgentOptions): Promise<AgentResult> {
  const { provider, registry, caller, stepCap, deadlineAt, signal, onEvent, now = systemClock } = options;
  if (!Number.isInteger(stepCap) || stepCap < 1) throw new Error('runAgent: stepCap must be a positive integer');
  const system = options.system ?? DEFAULT_SYSTEM_PROMPT;
  const maxOutputTokens = options.maxOutputTokens ?? 1024;
  const tools = registry.list(caller.scopes).map(toolDefinition);
  const messages: ChatMessage[] = [...options.messages];
  const toolCalls: ToolCallTrace[] = [];
  const usage: TokenUsage = { inputTokens: 0, outputTokens: 0 };
  /** The reply so far: every delta emitted, in order. */
  let said = '';
  let modelAnswered = false;
  /** Text of the model step in progress, and the request it answers (to estimate its cost if it is cut off). */
  let stepText = '';
  let stepRequest: ModelRequest | null = null;

  const say = (text: string) => {
    if (!text) return;
    said += text;
    onEvent?.({ type: 'delta', text });
  };
  /** A step's text, as it streams: separated from the previous steps' text by a blank line. */
  const stepSays = (text: string) => {
    if (!text) return;
    if (stepText === '' && said.trim()) say(STEP_SEPARATOR);
    stepText += text;
    modelAnswered = true;
    say(text);
  };

  const deadline = new AbortController();
  const timer = setTimeout(() => deadline.abort(new DeadlineReached()), Math.max(0, deadlineAt - now()));
  const runSignal = signal ? AbortSignal.any([deadline.signal, signal]) : deadline.signal;
  const deadlinePassed = () => deadline.signal.aborted || now() >= deadlineAt;

  /** The model call in progress was cut off: its input was sent and its text produced, so both are charged. */
  const chargeCutOffStep = () => {
    if (!stepRequest) return;
    usage.inputTokens += estimateInputTokens(stepRequest);
    usage.outputTokens += estimateTokens(stepText);
    stepRequest = null;
  };

  const stop = (stoppedBy: Exclude<StoppedBy, 'answer'>): AgentResult => {
    chargeCutOffStep();
    say(stopSuffix(stoppedBy, said, toolCalls.length, stepCap));
    messages.push({ role: 'assistant', content: said });
    return { reply: said, messages, toolCalls, usage, stoppedBy, modelAnswered };
  };

  const interrupted = (reason: unknown): AgentInterruptedError => {
    chargeCutOffStep();
    // Every tool call the model asked for keeps a result, so the history stays valid for the next turn.
    const last = [...messages].reverse().find((message) => message.role === 'assistant');
    const answered = new Set(messages.flatMap((message) => (message.role === 'tool' ? [message.toolCallId] : [])));
    for (const call of last?.role === 'assistant' ? (last.toolCalls ?? []) : []) {
      if (answered.has(call.id)) continue;
      const problem = { status: 499, title: 'Not run', detail: 'The client went away.' };
      messages.push({
        role: 'tool',
        toolCallId: call.id,
        name: call.name,
        content: toolContent({ error: problem }),
        isError: true,
      });
    }
    messages.push({ role: 'assistant', content: stepText, interrupted: true });
    return new AgentInterruptedError({ reply: said, messages, toolCalls, usage, modelAnswered }, reason);
  };

  try {
    for (let step = 1; step <= stepCap; step++) {
      if (signal?.aborted) throw interrupted(signal.reason);
      if (deadlinePassed()) return stop('deadline');

      stepText = '';
      const request: ModelRequest = {
        system,
        messages: [...messages],
        tools,
        maxOutputTokens,
        signal: runSignal,
        ...(onEvent ? { onText: stepSays } : {}),
      };
      stepRequest = request;
      let response: Awaited<ReturnType<ModelProvider['converse']>>;
      try {
        response = await raceAbort(provider.converse(request), runSignal);
      } catch (error) {
        if (signal?.aborted) throw interrupted(signal.reason);
        if (deadlinePassed()) return stop('deadline');
        throw error;
      }
      stepRequest = null;
      usage.inputTokens += response.usage.inputTokens;
      usage.outputTokens += response.usage.outputTokens;
      // A provider that did not stream (or streamed only part) says the rest now; the reply stays the deltas.
      const { message } = response;
      if (message.content.startsWith(stepText)) stepSays(message.content.slice(stepText.length));
      else message.content = stepText;
      messages.push(message);
      stepText = '';

      const requested = message.toolCalls ?? [];
      if (requested.length > 0) modelAnswered = true;
      if (requested.length === 0) {
        return { reply: said, messages, toolCalls, usage, stoppedBy: 'answer', modelAnswered };
      }

      // Every tool call gets a result message (Bedrock and OpenAI both reject a history where one is missing).
      for (const [index, call] of requested.entries()) {
        onEvent?.({ type: 'tool_call', id: call.id, name: call.name, input: call.input });
        const trace: ToolCallTrace = {
          id: call.id,
          name: call.name,
          input: call.input,
          step,
          ok: false,
          durationMs: 0,
        };
        let result: ToolMessage;
        if (index >= MAX_TOOL_CALLS_PER_STEP) {
          trace.error = {
            status: 429,
            title: 'Not run',
            detail: `At most ${MAX_TOOL_CALLS_PER_STEP} tool calls run per step; ask for fewer at a time.`,
          };
          result = {
            role: 'tool',
            toolCallId: call.id,
            name: call.name,
            content: toolContent({ error: trace.error }),
            isError: true,
          };
        } else {
          const started = now();
          try {
            if (deadlinePassed()) throw new DeadlineReached();
            const output = await raceAbort(
              registry.call(call.name, call.input, { caller, signal: runSignal }),
              runSignal,
            );
            trace.ok = true;
            trace.output = output;
            result = { role: 'tool', toolCallId: call.id, name: call.name, content: toolContent(output) };
          } catch (error) {
            if (signal?.aborted) throw interrupted(signal.reason);
            const problem =
              error instanceof DeadlineReached || deadlinePassed()
                ? { status: 504, title: 'Not run', detail: 'The request ran out of time.' }
                : isToolgateError(error) && error.status < 500
                  ? { status: error.status, title: error.title, ...(error.detail ? { detail: error.detail } : {}) }
                  : { status: 500, title: 'Tool failed', detail: 'The tool failed unexpectedly.' };
            if (problem.status >= 500 && problem.status !== 504) options.onToolError?.(error, call);
            trace.error = problem;
            result = {
              role: 'tool',
              toolCallId: call.id,
              name: call.name,
              content: toolContent({ error: problem }),
              isError: true,
            };
          }
          trace.durationMs = Math.max(0, now() - started);
        }
        toolCalls.push(trace);
        messages.push(result);
        onEvent?.({
          type: 'tool_result',
          id: call.id,
          name: call.name,
          ok: trace.ok,
          ...(trace.error ? { error: trace.error } : {}),
          durationMs: trace.durationMs,
        });
      }
      if (deadlinePassed()) return stop('deadline');
    }
    return stop('step-cap');
  } finally {
    clearTimeout(timer);
  }
}
