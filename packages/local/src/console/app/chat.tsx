import { useRef, useState } from 'preact/hooks';
import { callApi, consoleApi, json, usePoll } from './api';
import { type ConversationSummary, type StoredMessage, sendTurn, type Turn, turnsOf } from './chat-turns';
import { Head } from './head';
import type { DevUser } from './user';

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
