import { useState } from 'preact/hooks';
import { callApi, consoleApi, json, usePoll } from './api';
import { Head } from './head';
import type { DevUser } from './user';

interface ToolCall {
  id: string;
  name: string;
  input: unknown;
  output?: unknown;
  ok: boolean;
  error?: { status: number; title: string; detail?: string };
  durationMs: number;
  step: number;
}

interface Turn {
  message: string;
  reply: string;
  toolCalls: ToolCall[];
  stoppedBy?: string;
  usage?: { inputTokens: number; outputTokens: number };
  error?: string;
}

/**
 * One chat turn. Buffered `POST /chat` today; a streaming reader replaces only this function (it would call
 * `onText` per delta and resolve with the same Turn once the stream's final event arrives).
 */
async function sendTurn(
  user: DevUser,
  message: string,
  conversationId: string | null,
  _onText: (text: string) => void,
): Promise<{ conversationId: string | null; turn: Turn }> {
  const answer = await callApi<{
    conversationId: string;
    reply: string;
    toolCalls: ToolCall[];
    stoppedBy: string;
    usage: { inputTokens: number; outputTokens: number };
    detail?: string;
    title?: string;
    message?: string;
  }>(user.token, 'POST', '/chat', { message, ...(conversationId ? { conversationId } : {}) });
  if (answer.status !== 200) {
    const why = answer.body?.detail ?? answer.body?.title ?? answer.body?.message ?? '';
    return { conversationId, turn: { message, reply: '', toolCalls: [], error: `${answer.status} ${why}` } };
  }
  const { body } = answer;
  return {
    conversationId: body.conversationId,
    turn: { message, reply: body.reply, toolCalls: body.toolCalls, stoppedBy: body.stoppedBy, usage: body.usage },
  };
}

interface ConversationSummary {
  conversationId: string;
  title: string;
  updatedAt?: string;
  messages: number;
}

type StoredMessage =
  | { role: 'user'; content: string }
  | { role: 'assistant'; content: string; toolCalls?: { id: string; name: string; input: unknown }[] }
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
  const [pending, setPending] = useState<string | null>(null);
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
    if (!message || pending) return;
    setPending(message);
    setDraft('');
    setFailed(null);
    const { conversationId, turn } = await sendTurn(user, message, current, () => undefined);
    setPending(null);
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
        {pending ? (
          <div class="turn">
            <p class="you">{pending}</p>
            <p class="muted">the agent is working…</p>
          </div>
        ) : null}
        <form class="composer" onSubmit={send}>
          <input
            name="message"
            value={draft}
            onInput={(e) => setDraft(e.currentTarget.value)}
            placeholder="Ask the agent"
            autocomplete="off"
          />
          <button type="submit" disabled={pending !== null}>
            Send
          </button>
        </form>
      </div>
    </section>
  );
}

function TurnView({ turn }: { turn: Turn }) {
  return (
    <div class="turn" data-testid="turn">
      <p class="you">{turn.message}</p>
      {turn.error ? <p class="error">{turn.error}</p> : <p class="agent">{turn.reply}</p>}
      {turn.toolCalls.length > 0 ? (
        <table class="trace" data-testid="tool-trace">
          <Head columns={['step', 'tool', 'input', 'output', 'duration']} />
          <tbody>
            {turn.toolCalls.map((call) => (
              <tr key={call.id} class={call.ok ? '' : 'failed'}>
                <td>{call.step}</td>
                <td class="mono">{call.name}</td>
                <td>
                  <pre>{json(call.input)}</pre>
                </td>
                <td>
                  <pre>{json(call.ok ? call.output : call.error)}</pre>
                </td>
                <td>{call.durationMs < 0 ? '–' : `${Math.round(call.durationMs * 10) / 10} ms`}</td>
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
