import { useState } from 'preact/hooks';
import { callApi, json } from './api';
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

interface Conversation {
  id: string;
  sub: string;
  title: string;
  turns: Turn[];
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

export function ChatView({ user }: { user: DevUser | null }) {
  const [conversations, setConversations] = useState<Conversation[]>([]);
  const [current, setCurrent] = useState<string | null>(null);
  const [draft, setDraft] = useState('Find the cheapest GPU and tell me its price');
  const [pending, setPending] = useState<string | null>(null);
  if (!user) return <p class="muted">Pick a dev user above to chat as.</p>;
  const mine = conversations.filter((conversation) => conversation.sub === user.sub);
  const open = mine.find((conversation) => conversation.id === current) ?? null;

  const send = async (event: Event) => {
    event.preventDefault();
    const message = draft.trim();
    if (!message || pending) return;
    setPending(message);
    setDraft('');
    const { conversationId, turn } = await sendTurn(user, message, open?.id ?? null, () => undefined);
    setPending(null);
    const id = conversationId ?? `failed-${conversations.length}`;
    setConversations((all) => {
      const existing = all.find((conversation) => conversation.id === id);
      if (existing) return all.map((c) => (c.id === id ? { ...c, turns: [...c.turns, turn] } : c));
      return [{ id, sub: user.sub, title: message.slice(0, 40), turns: [turn] }, ...all];
    });
    setCurrent(id);
  };

  return (
    <section class="chat">
      <aside class="conversations">
        <button type="button" onClick={() => setCurrent(null)}>
          + New conversation
        </button>
        <ul>
          {mine.map((conversation) => (
            <li key={conversation.id}>
              <button
                type="button"
                class={conversation.id === current ? 'active' : ''}
                onClick={() => setCurrent(conversation.id)}
              >
                {conversation.title}
                <span class="muted mono">{conversation.id.slice(0, 8)}</span>
              </button>
            </li>
          ))}
        </ul>
      </aside>
      <div class="thread">
        {(open?.turns ?? []).map((turn, index) => (
          <TurnView key={index} turn={turn} />
        ))}
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
                <td>{Math.round(call.durationMs * 10) / 10} ms</td>
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
