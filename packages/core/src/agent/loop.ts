import type { Caller } from '../auth/verifier';
import { type Clock, systemClock } from '../clock';
import { isToolgateError } from '../errors';
import type { ToolRegistry } from '../tools/registry';
import { toolDefinition } from '../tools/schemas';
import type { ChatMessage, ModelProvider, TokenUsage, ToolCallRequest, ToolCallTrace, ToolMessage } from './provider';

export const DEFAULT_SYSTEM_PROMPT =
  'You are the toolgate assistant. Answer the user briefly and precisely. Use the tools to look up products, prices ' +
  'and the account instead of guessing; prices are in US cents. When a tool fails, say so plainly.';

export type StoppedBy = 'answer' | 'step-cap' | 'deadline';

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
  now?: Clock;
}

export interface AgentResult {
  reply: string;
  /** `options.messages` followed by everything this run added, ending with an assistant message. */
  messages: ChatMessage[];
  toolCalls: ToolCallTrace[];
  usage: TokenUsage;
  stoppedBy: StoppedBy;
}

/** What the model sees of a tool result; bounded so that one tool cannot flood the context window. */
const MAX_TOOL_RESULT_CHARS = 32_000;
/**
 * Tool calls run per model step. A chat or a job is counted once (its class, its tokens), but one model answer can
 * ask for any number of tool calls, each a paid DynamoDB query or read: without a cap, one chat request could run
 * thousands (a prompt-injected document only has to ask). Calls past the cap get a "not run" result, so the model
 * learns why, and the history stays valid (every call has its result).
 */
export const MAX_TOOL_CALLS_PER_STEP = 8;

class DeadlineReached extends Error {
  constructor() {
    super('agent deadline reached');
    this.name = 'DeadlineReached';
  }
}

function raceAbort<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}

function toolContent(value: unknown): string {
  const text = JSON.stringify(value) ?? 'null';
  return text.length <= MAX_TOOL_RESULT_CHARS
    ? text
    : JSON.stringify({ truncated: true, preview: text.slice(0, MAX_TOOL_RESULT_CHARS - 100) });
}

function stopReply(
  stoppedBy: Exclude<StoppedBy, 'answer'>,
  lastText: string,
  toolCalls: number,
  stepCap: number,
): string {
  const why =
    stoppedBy === 'deadline'
      ? 'I ran out of time for this request before I could finish'
      : `I reached the limit of ${stepCap} model steps for one request before I could finish`;
  const done = toolCalls > 0 ? ` (after ${toolCalls} tool call${toolCalls === 1 ? '' : 's'})` : '';
  const partial = lastText.trim() ? `${lastText.trim()}\n\n` : '';
  return `${partial}${why}${done}. For long or many-step work, submit it as a job with POST /jobs and poll the job for the result.`;
}

/**
 * The tool-calling loop: ask the model, run the tools it asks for as the caller, feed the results back, until it
 * answers, the step cap is reached or the deadline passes. The last two end the run cleanly with a reply that says
 * so (and points to `POST /jobs`), never with an error, so the conversation stays consistent.
 */
export async function runAgent(options: RunAgentOptions): Promise<AgentResult> {
  const { provider, registry, caller, stepCap, deadlineAt, signal, now = systemClock } = options;
  if (!Number.isInteger(stepCap) || stepCap < 1) throw new Error('runAgent: stepCap must be a positive integer');
  const system = options.system ?? DEFAULT_SYSTEM_PROMPT;
  const maxOutputTokens = options.maxOutputTokens ?? 1024;
  const tools = registry.list(caller.scopes).map(toolDefinition);
  const messages: ChatMessage[] = [...options.messages];
  const toolCalls: ToolCallTrace[] = [];
  const usage: TokenUsage = { inputTokens: 0, outputTokens: 0 };
  let lastText = '';

  const deadline = new AbortController();
  const timer = setTimeout(() => deadline.abort(new DeadlineReached()), Math.max(0, deadlineAt - now()));
  const runSignal = signal ? AbortSignal.any([deadline.signal, signal]) : deadline.signal;
  const deadlinePassed = () => deadline.signal.aborted || now() >= deadlineAt;

  const stop = (stoppedBy: Exclude<StoppedBy, 'answer'>): AgentResult => {
    const reply = stopReply(stoppedBy, lastText, toolCalls.length, stepCap);
    messages.push({ role: 'assistant', content: reply });
    return { reply, messages, toolCalls, usage, stoppedBy };
  };

  try {
    for (let step = 1; step <= stepCap; step++) {
      if (signal?.aborted) throw signal.reason;
      if (deadlinePassed()) return stop('deadline');

      let response: Awaited<ReturnType<ModelProvider['converse']>>;
      try {
        response = await raceAbort(
          provider.converse({ system, messages, tools, maxOutputTokens, signal: runSignal }),
          runSignal,
        );
      } catch (error) {
        if (signal?.aborted) throw signal.reason;
        if (deadlinePassed()) return stop('deadline');
        throw error;
      }
      usage.inputTokens += response.usage.inputTokens;
      usage.outputTokens += response.usage.outputTokens;
      const { message } = response;
      messages.push(message);
      if (message.content.trim()) lastText = message.content;

      const requested = message.toolCalls ?? [];
      if (requested.length === 0) {
        return { reply: message.content, messages, toolCalls, usage, stoppedBy: 'answer' };
      }

      // Every tool call gets a result message (Bedrock and OpenAI both reject a history where one is missing).
      for (const [index, call] of requested.entries()) {
        if (index >= MAX_TOOL_CALLS_PER_STEP) {
          const problem = {
            status: 429,
            title: 'Not run',
            detail: `At most ${MAX_TOOL_CALLS_PER_STEP} tool calls run per step; ask for fewer at a time.`,
          };
          toolCalls.push({
            id: call.id,
            name: call.name,
            input: call.input,
            step,
            ok: false,
            durationMs: 0,
            error: problem,
          });
          messages.push({
            role: 'tool',
            toolCallId: call.id,
            name: call.name,
            content: toolContent({ error: problem }),
            isError: true,
          });
          continue;
        }
        const started = now();
        const trace: ToolCallTrace = {
          id: call.id,
          name: call.name,
          input: call.input,
          step,
          ok: false,
          durationMs: 0,
        };
        let result: ToolMessage;
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
          if (signal?.aborted) throw signal.reason;
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
        toolCalls.push(trace);
        messages.push(result);
      }
      if (deadlinePassed()) return stop('deadline');
    }
    return stop('step-cap');
  } finally {
    clearTimeout(timer);
  }
}
