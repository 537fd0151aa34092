import { createParser, type EventSourceMessage } from 'eventsource-parser';
import { callApi } from './api';
import type { DevUser } from './user';

/**
 * The chat view's transport: one turn as a streamed \`POST /chat\` (Server-Sent Events read with eventsource-parser,
 * outputs filled in from \`GET /conversations/{id}\` after \`done\`), and a stored conversation read back as turns.
 * No Preact here: the view (chat.tsx) renders what these return.
 */
export interface Problem {
  status: number;
  title: string;
  detail?: string;
}

export interface ToolCall {
  id: string;
  name: string;
  input: unknown;
  output?: unknown;
  /** Unknown while the tool runs. */
  ok?: boolean;
  error?: Problem;
  durationMs: number;
  /** The model call that asked for it; known once the turn is read back (the stream does not number steps). */
  step?: number;
}

export interface Turn {
  message: string;
  reply: string;
  toolCalls: ToolCall[];
  stoppedBy?: string;
  usage?: { inputTokens: number; outputTokens: number };
  error?: string;
  /** `streaming` while events arrive; `stopped` when this page aborted it; `interrupted` when read back so. */
  state?: 'streaming' | 'stopped' | 'interrupted';
}

export const problemText = (problem: Partial<Problem> & { message?: string }, status = problem.status) =>
  `${status ?? ''} ${problem.title ?? ''}${problem.detail ? `: ${problem.detail}` : ''}${problem.message ?? ''}`.trim();

/**
 * One chat turn, streamed: `POST /chat` with `Accept: text/event-stream`, read with `fetch` and a body reader, the
 * events framed by eventsource-parser. `onTurn` gets the turn as it grows (text per `delta`, a trace row per
 * `tool_call`, completed by its `tool_result`). `tool_result` carries no output, so after `done` the outputs (and
 * step numbers) are read back from `GET /conversations/{id}`. Aborting `signal` (the Stop button) ends the request:
 * the server keeps what was produced, marked interrupted. A refusal comes before the stream, as problem+json.
 */
export async function sendTurn(
  user: DevUser,
  message: string,
  conversationId: string | null,
  onTurn: (turn: Turn, conversationId: string | null) => void,
  signal: AbortSignal,
): Promise<{ conversationId: string | null; turn: Turn }> {
  let id = conversationId;
  let turn: Turn = { message, reply: '', toolCalls: [], state: 'streaming' };
  const update = (next: Partial<Turn>) => {
    turn = { ...turn, ...next };
    onTurn(turn, id);
  };
  try {
    const response = await fetch('/chat', {
      method: 'POST',
      headers: {
        authorization: `Bearer ${user.token}`,
        'content-type': 'application/json',
        accept: 'text/event-stream',
      },
      body: JSON.stringify({ message, ...(conversationId ? { conversationId } : {}) }),
      signal,
    });
    if (!response.headers.get('content-type')?.startsWith('text/event-stream') || !response.body) {
      const text = await response.text();
      let problem: Partial<Problem> & { message?: string } = {};
      try {
        problem = text ? JSON.parse(text) : {};
      } catch {
        problem = { detail: text };
      }
      return {
        conversationId,
        turn: { message, reply: '', toolCalls: [], error: problemText(problem, response.status) },
      };
    }
    let done = false;
    const parser = createParser({
      onEvent: ({ event, data }: EventSourceMessage) => {
        const payload = JSON.parse(data);
        if (event === 'start') {
          id = payload.conversationId;
          update({});
        } else if (event === 'delta') update({ reply: turn.reply + payload.text });
        else if (event === 'tool_call')
          update({
            toolCalls: [
              ...turn.toolCalls,
              { id: payload.id, name: payload.name, input: payload.input, durationMs: -1 },
            ],
          });
        else if (event === 'tool_result')
          update({
            toolCalls: turn.toolCalls.map((call) =>
              call.id === payload.id
                ? {
                    ...call,
                    ok: payload.ok,
                    durationMs: payload.durationMs,
                    ...(payload.error ? { error: payload.error } : {}),
                  }
                : call,
            ),
          });
        else if (event === 'usage') update({ usage: payload });
        else if (event === 'done') {
          done = true;
          id = payload.conversationId;
          update({ stoppedBy: payload.stoppedBy });
        } else if (event === 'error') {
          done = true;
          update({ error: problemText(payload) });
        }
      },
    });
    const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
    for (;;) {
      const chunk = await reader.read();
      if (chunk.done) break;
      parser.feed(chunk.value);
    }
    if (!done) update({ error: 'The stream ended before its last event.' });
  } catch (caught) {
    if (signal.aborted) return { conversationId: id, turn: { ...turn, state: 'stopped' } };
    return { conversationId: id, turn: { ...turn, state: undefined, error: String(caught) } };
  }
  turn = { ...turn, state: undefined };
  if (id && !turn.error) {
    // The outputs the stream does not carry, from the saved conversation's last turn.
    const saved = await callApi<{ messages: StoredMessage[] }>(user.token, 'GET', `/conversations/${id}`);
    const last = saved.status === 200 ? turnsOf(saved.body.messages).at(-1) : undefined;
    const stored = new Map((last?.toolCalls ?? []).map((call) => [call.id, call]));
    turn.toolCalls = turn.toolCalls.map((call) => {
      const known = stored.get(call.id);
      return known ? { ...call, output: known.output, step: known.step } : call;
    });
  }
  return { conversationId: id, turn };
}

export interface ConversationSummary {
  conversationId: string;
  title: string;
  updatedAt?: string;
  messages: number;
}

export type StoredMessage =
  | { role: 'user'; content: string }
  | {
      role: 'assistant';
      content: string;
      toolCalls?: { id: string; name: string; input: unknown }[];
      interrupted?: true;
    }
  | { role: 'tool'; toolCallId: string; name: string; content: string; isError?: boolean };

/** A stored conversation as turns: its tool calls rebuilt from the assistant's requests and the tools' answers. */
export function turnsOf(messages: StoredMessage[]): Turn[] {
  const turns: Turn[] = [];
  const calls = new Map<string, ToolCall>();
  let step = 0;
  for (const message of messages) {
    const turn = turns.at(-1);
    if (message.role === 'user') {
      turns.push({ message: message.content, reply: '', toolCalls: [] });
      step = 0;
    } else if (message.role === 'assistant' && turn) {
      step += 1;
      if (message.content) turn.reply = message.content;
      if (message.interrupted) turn.state = 'interrupted';
      for (const request of message.toolCalls ?? []) {
        const call: ToolCall = {
          id: request.id,
          name: request.name,
          input: request.input,
          ok: true,
          durationMs: -1,
          step,
        };
        calls.set(request.id, call);
        turn.toolCalls.push(call);
      }
    } else if (message.role === 'tool') {
      const call = calls.get(message.toolCallId);
      if (!call) continue;
      call.ok = message.isError !== true;
      try {
        call.output = JSON.parse(message.content);
      } catch {
        call.output = message.content;
      }
    }
  }
  return turns;
}
