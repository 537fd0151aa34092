import { randomUUID } from 'node:crypto';
import { scope } from '@toolgate/core/scopes';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiCaller, generousPlans, until, useLocalRuntime } from './support/runtime';
import { streamChat } from './support/sse';

/**
 * Issue 18 end to end: `POST /chat` with `Accept: text/event-stream` through the local gateway into the api tier's
 * response-streaming handler (the one a Function URL invokes deployed), read with fetch and eventsource-parser. The
 * dev model writes a word every 5 ms here, so that a stream really is in flight when a test looks at it.
 */
const ENV = {
  TOOLGATE_DEV_MODEL_CHUNK_DELAY_MS: '5',
  TOOLGATE_LIMITS: JSON.stringify({
    plans: generousPlans(1_000_000),
  }),
};
const previousEnv = Object.fromEntries(Object.keys(ENV).map((name) => [name, process.env[name]]));
beforeAll(() => {
  Object.assign(process.env, ENV);
});
afterAll(() => {
  for (const [name, value] of Object.entries(previousEnv)) {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
});

const runtime = useLocalRuntime();
const call = apiCaller(runtime);
const ALL = [scope('tools'), scope('chat'), scope('profile')];
const newUser = () => `user-${randomUUID()}`;
const tokenFor = (sub: string, scopes: readonly string[] = ALL) => runtime().issuer.mintAccessToken({ sub, scopes });
const text = (events: { event: string; data: { text?: string } }[]) =>
  events
    .filter((event) => event.event === 'delta')
    .map((event) => event.data.text)
    .join('');

describe('POST /chat as Server-Sent Events', () => {
  it('streams tool calls, their results, text deltas, usage and done; the deltas are the buffered reply', async () => {
    const prompt = 'find the cheapest gpu';
    const streamed = await streamChat(runtime().url, await tokenFor(newUser()), { message: prompt });
    expect(streamed.status).toBe(200);
    expect(streamed.headers.get('content-type')).toMatch(/^text\/event-stream/);
    expect(streamed.headers.get('cache-control')).toBe('no-store');
    const names = streamed.events.map((event) => event.event);
    expect(names.filter((name) => name !== 'delta')).toEqual([
      'start',
      'tool_call',
      'tool_result',
      'tool_call',
      'tool_result',
      'usage',
      'done',
    ]);
    expect(names.filter((name) => name === 'delta').length).toBeGreaterThan(5);
    expect(names.indexOf('delta')).toBeGreaterThan(names.lastIndexOf('tool_result'));
    const started = streamed.events[0]?.data;
    expect(started.conversationId).toEqual(expect.any(String));
    expect(streamed.events[1]?.data).toMatchObject({ name: 'catalog_search', input: { q: 'gpu' } });
    expect(streamed.events[2]?.data).toMatchObject({ name: 'catalog_search', ok: true });
    expect(streamed.events[2]?.data.durationMs).toBeGreaterThanOrEqual(0);
    const usage = streamed.events.at(-2)?.data;
    expect(usage.inputTokens).toBeGreaterThan(0);
    const done = streamed.events.at(-1)?.data;
    expect(done.stoppedBy).toBe('answer');
    expect(done.conversationId).toBe(started.conversationId);

    // The same prompt without the header: the buffered answer, whose reply the deltas spell exactly.
    const buffered = await call(await tokenFor(newUser()), 'POST', '/chat', { message: prompt });
    expect(buffered.status).toBe(200);
    expect(buffered.headers.get('content-type')).toMatch(/^application\/json/);
    expect(text(streamed.events)).toBe(buffered.body.reply);
    expect(usage).toEqual(buffered.body.usage);

    // The conversation was saved with the streamed answer.
    const token = await tokenFor(newUser());
    const first = await streamChat(runtime().url, token, { message: 'tell me about gpu-l4-hour' });
    const conversationId = first.events.at(-1)?.data.conversationId;
    const saved = await call(token, 'GET', `/conversations/${conversationId}`);
    expect(saved.body.messages.at(-1)).toEqual({ role: 'assistant', content: text(first.events) });
  });

  it('sends the first event long before the answer is complete (chunked, not buffered)', async () => {
    const streamed = await streamChat(runtime().url, await tokenFor(newUser()), { message: 'hello' });
    const deltas = streamed.events.filter((event) => event.event === 'delta');
    expect(deltas.length).toBeGreaterThan(20);
    const first = deltas[0]?.at ?? 0;
    const last = streamed.events.at(-1)?.at ?? 0;
    // ~40 words at 5 ms each: the first arrives while the rest is still being generated.
    expect(last - first).toBeGreaterThan(100);
  });

  it('refuses before the stream opens: bad input 400, no token 401, wrong scope 403, unknown conversation 404', async () => {
    const token = await tokenFor(newUser());
    const invalid = await streamChat(runtime().url, token, { message: '' });
    expect(invalid.status).toBe(400);
    expect(invalid.headers.get('content-type')).toBe('application/problem+json');
    const unknown = await streamChat(runtime().url, token, { message: 'hi', conversationId: randomUUID() });
    expect(unknown.status).toBe(404);
    expect(unknown.body.type).toBe('urn:toolgate:problem:not-found');
    const noScope = await streamChat(runtime().url, await tokenFor(newUser(), [scope('tools')]), { message: 'hi' });
    expect(noScope.status).toBe(403);
    const noToken = await streamChat(runtime().url, '', { message: 'hi' });
    expect(noToken.status).toBe(401);
  });

  it('a client that disconnects mid-stream stops the model: the partial answer is kept, marked interrupted, and charged', async () => {
    const sub = newUser();
    const token = await tokenFor(sub);
    const opened = await call(token, 'POST', '/chat', { message: 'hello' });
    const conversationId = opened.body.conversationId;
    const before = (await call(token, 'POST', '/tools/account_get')).body.usage.chatTokens;

    const abort = new AbortController();
    let deltas = 0;
    const streamed = await streamChat(
      runtime().url,
      token,
      { message: 'hello again', conversationId },
      {
        signal: abort.signal,
        onEvent: (event) => {
          if (event.event === 'delta' && ++deltas === 3) abort.abort();
        },
      },
    );
    expect(streamed.events.some((event) => event.event === 'done')).toBe(false);

    const kept = await until(
      () => call(token, 'GET', `/conversations/${conversationId}`),
      (response) => response.body.messages.length === 4,
    );
    const last = kept.body.messages.at(-1);
    expect(last).toMatchObject({ role: 'assistant', interrupted: true });
    expect(last.content.length).toBeGreaterThan(0);
    // Cut off: far less than the whole answer was produced.
    expect(last.content.length).toBeLessThan(opened.body.reply.length / 2);
    expect(opened.body.reply.startsWith(last.content)).toBe(true);

    const after = await until(
      async () => (await call(token, 'POST', '/tools/account_get')).body.usage.chatTokens,
      (tokens) => tokens > before,
    );
    expect(after).toBeGreaterThan(before);
  });

  it('a new conversation cut off mid-stream is found by the id its start event named', async () => {
    const token = await tokenFor(newUser());
    const abort = new AbortController();
    let deltas = 0;
    const streamed = await streamChat(
      runtime().url,
      token,
      { message: 'hello' },
      {
        signal: abort.signal,
        onEvent: (event) => {
          if (event.event === 'delta' && ++deltas === 2) abort.abort();
        },
      },
    );
    expect(streamed.events[0]?.event).toBe('start');
    expect(streamed.events.some((event) => event.event === 'done')).toBe(false);
    const conversationId = streamed.events[0]?.data.conversationId;
    const kept = await until(
      () => call(token, 'GET', `/conversations/${conversationId}`),
      (response) => response.status === 200,
    );
    expect(kept.body.messages.map((message: { role: string }) => message.role)).toEqual(['user', 'assistant']);
    expect(kept.body.messages.at(-1)).toMatchObject({ interrupted: true });
  });

  it('an error after the stream opened is its last event, a Problem', async () => {
    // Two messages on one conversation at once: the one saved second finds the conversation changed (409). Its
    // stream had opened already, so the conflict arrives as the stream's `error` event.
    const token = await tokenFor(newUser());
    const opened = await call(token, 'POST', '/chat', { message: 'hello' });
    const { conversationId } = opened.body;
    const [slow, quick] = await Promise.all([
      streamChat(runtime().url, token, { message: 'hello, tell me more', conversationId }),
      call(token, 'POST', '/chat', { message: 'tell me about gpu-l4-hour', conversationId }),
    ]);
    expect(quick.status).toBe(200);
    expect(slow.status).toBe(200);
    const last = slow.events.at(-1);
    expect(last?.event).toBe('error');
    expect(last?.data).toMatchObject({ status: 409, type: 'urn:toolgate:problem:conflict' });
    expect(slow.events.some((event) => event.event === 'delta')).toBe(true);
  });
});
