import { createParser, type EventSourceMessage } from 'eventsource-parser';
import { useRef, useState } from 'preact/hooks';
import { callApi, consoleApi, json, usePoll } from './api';
import { Head } from './head';
import type { DevUser } from './user';

interface Problem {
  status: number;
  title: string;
  detail?: string;
}

interface ToolCall {
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

interface Turn {
  message: string;
  reply: string;
  toolCalls: ToolCall[];
  stoppedBy?: string;
  usage?: { inputTokens: number; outputTokens: number };
  error?: string;
  /** `streaming` while events arrive; `stopped` when this page aborted it; `interrupted` when read back so. */
  state?: 'streaming' | 'stopped' | 'interrupted';
}

const problemText = (problem: Partial<Problem> & { message?: string }, status = problem.status) =>
  `${status ?? ''} ${problem.title ?? ''}${problem.detail ? `: ${problem.detail}` : ''}${problem.message ?? ''}`.trim();

/**
 * One chat turn, streamed: `POST /chat` with `Accept: text/event-stream`, read with `fetch` and a body reader, the
 * events framed by eventsource-parser. `onTurn` gets the turn as it grows (text per `delta`, a trace row per
 * `tool_call`, completed by its `tool_result`). `tool_result` carries no output, so after `done` the outputs (and
 * step numbers) are read back from `GET /conversations/{id}`. Aborting `signal` (the Stop button) ends the request:
 * the server keeps what was produced, marked interrupted. A refusal comes before the stream, as problem+json.
 */
async function sendTurn(
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

interface ConversationSummary {
  conversationId: string;
  title: string;
  updatedAt?: string;
  messages: number;
}

type StoredMessage =
  | { role: 'user'; content: string }
  | {
      role: 'assistant';
      content: string;
      toolCalls?: { id: string; name: string; input: unknown }[];
      interrupted?: true;
    }
  | { role: 'tool'; toolCallId: string; name: string; content: string; isError?: boolean };

/** A stored conversation as turns: its tool calls rebuilt from the assistant's requests and the tools' answers. */
function turnsOf(messages: StoredMessage[]): Turn[] {
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

export function ChatView({ user }: { user: DevUser | null }) {
  const sub = user?.sub ?? '';
  /** Turns sent from this page (with their timings), by conversation id. */
  const [sent, setSent] = useState<Record<string, Turn[]>>({});
  const [stored, setStored] = useState<Record<string, Turn[]>>({});
  const [current, setCurrent] = useState<string | null>(null);
  const [failed, setFailed] = useState<Turn | null>(null);
  const [draft, setDraft] = useState('Find the cheapest GPU and tell me its price');
  /** The turn being streamed, as it grows, and the conversation it is saved in (known from `start`). */
  const [live, setLive] = useState<{ turn: Turn; conversationId: string | null } | null>(null);
  const stop = useRef<AbortController | null>(null);
  const [list] = usePoll(
    async () =>
      sub
        ? (await consoleApi<{ items: ConversationSummary[] }>(`/conversations?sub=${encodeURIComponent(sub)}`)).items
        : [],
    2000,
    [sub],
  );
  if (!user) return <p class="muted">Pick a dev user above to chat as.</p>;

  const open = async (id: string) => {
    setCurrent(id);
    setFailed(null);
    if (sent[id]) return;
    const answer = await callApi<{ messages: StoredMessage[] }>(user.token, 'GET', `/conversations/${id}`);
    if (answer.status === 200) setStored((all) => ({ ...all, [id]: turnsOf(answer.body.messages) }));
  };
  const send = async (event: Event) => {
    event.preventDefault();
    const message = draft.trim();
    if (!message || live) return;
    const controller = new AbortController();
    stop.current = controller;
    setLive({ turn: { message, reply: '', toolCalls: [], state: 'streaming' }, conversationId: current });
    setDraft('');
    setFailed(null);
    const { conversationId, turn } = await sendTurn(
      user,
      message,
      current,
      (turn, conversationId) => setLive({ turn, conversationId }),
      controller.signal,
    );
    stop.current = null;
    setLive(null);
    if (!conversationId || turn.error) {
      setFailed(turn);
      return;
    }
    setSent((all) => ({ ...all, [conversationId]: [...(all[conversationId] ?? stored[conversationId] ?? []), turn] }));
    setCurrent(conversationId);
  };
  const turns = current ? (sent[current] ?? stored[current] ?? []) : [];

  return (
    <section class="chat">
      <aside class="conversations">
        <button type="button" onClick={() => setCurrent(null)}>
          + New conversation
        </button>
        <ul>
          {(list ?? []).map((conversation) => (
            <li key={conversation.conversationId}>
              <button
                type="button"
                class={conversation.conversationId === current ? 'active' : ''}
                onClick={() => open(conversation.conversationId)}
              >
                {conversation.title}
                <span class="muted mono">
                  {conversation.conversationId.slice(0, 8)} · {conversation.messages} messages
                </span>
              </button>
            </li>
          ))}
        </ul>
      </aside>
      <div class="thread">
        {turns.map((turn, index) => (
          <TurnView key={index} turn={turn} />
        ))}
        {failed ? <TurnView turn={failed} /> : null}
        {live ? <TurnView turn={live.turn} /> : null}
        <form class="composer" onSubmit={send}>
          <input
            name="message"
            value={draft}
            onInput={(e) => setDraft(e.currentTarget.value)}
            placeholder="Ask the agent"
            autocomplete="off"
          />
          {live ? (
            <button type="button" class="stop" onClick={() => stop.current?.abort()}>
              Stop
            </button>
          ) : (
            <button type="submit">Send</button>
          )}
        </form>
      </div>
    </section>
  );
}

function TurnView({ turn }: { turn: Turn }) {
  return (
    <div class="turn" data-testid="turn" data-state={turn.state ?? (turn.error ? 'failed' : 'done')}>
      <p class="you">{turn.message}</p>
      {turn.reply || !turn.error ? <p class="agent">{turn.reply}</p> : null}
      {turn.error ? <p class="error">{turn.error}</p> : null}
      {turn.state === 'streaming' && !turn.reply ? <p class="muted">the agent is working…</p> : null}
      {turn.state === 'stopped' ? (
        <p class="muted stopped">stopped: the server keeps what was produced, marked interrupted</p>
      ) : null}
      {turn.state === 'interrupted' ? (
        <p class="muted stopped">interrupted: the client went away before the answer ended</p>
      ) : null}
      {turn.toolCalls.length > 0 ? (
        <table class="trace" data-testid="tool-trace">
          <Head columns={['step', 'tool', 'input', 'output', 'duration']} />
          <tbody>
            {turn.toolCalls.map((call) => (
              <tr key={call.id} class={call.ok === false ? 'failed' : call.ok === undefined ? 'running' : ''}>
                <td>{call.step ?? '·'}</td>
                <td class="mono">{call.name}</td>
                <td>
                  <pre>{json(call.input)}</pre>
                </td>
                <td>
                  <pre>
                    {call.ok === false
                      ? json(call.error ?? call.output)
                      : call.output === undefined
                        ? '…'
                        : json(call.output)}
                  </pre>
                </td>
                <td>
                  {call.ok === undefined && turn.state === 'streaming'
                    ? 'running'
                    : call.durationMs < 0
                      ? '–'
                      : `${Math.round(call.durationMs * 10) / 10} ms`}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
      {turn.usage ? (
        <p class="muted">
          {turn.usage.inputTokens} in / {turn.usage.outputTokens} out tokens · stopped by {turn.stoppedBy}
        </p>
      ) : null}
    </div>
  );
}
