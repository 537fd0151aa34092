import { afterEach, describe, expect, it, vi } from 'vitest';
import { catalogTools } from '../catalog/tools';
import { DEFAULT_PLAN_LIMITS } from '../limits/plans';
import { createChatQuota } from '../limits/rate-limiter';
import { scope } from '../scopes';
import { caller, memoryCatalog, memoryUsage } from '../testing/agent-fakes';
import { TEST_EPOCH_MS } from '../testing/clock';
import { accountTools } from '../tools/account';
import { defineTool, ToolRegistry } from '../tools/registry';
import * as z from '../zod';
import { type AgentEvent, AgentInterruptedError, MAX_TOOL_CALLS_PER_STEP, runAgent } from './loop';
import type { ChatMessage, ModelProvider, ModelRequest } from './provider';
import { createDevProvider } from './providers/dev';

const users = {
  get: async (sub: string) => ({ sub, plan: 'free' as const }),
  setPlan: () => Promise.reject(new Error('unused')),
};
const registry = new ToolRegistry([
  ...catalogTools(memoryCatalog()),
  ...accountTools(users, createChatQuota({ store: memoryUsage(), plans: DEFAULT_PLAN_LIMITS }), DEFAULT_PLAN_LIMITS),
]);
const dev = createDevProvider();
const user = (content: string): ChatMessage[] => [{ role: 'user', content }];
const soon = () => Date.now() + 10_000;

afterEach(() => {
  vi.useRealTimers();
});

/** vitest's fake timers from the test epoch; `now` is the clock the code under test gets, moving with them. */
function fakeTime() {
  vi.useFakeTimers({ now: TEST_EPOCH_MS, toFake: ['setTimeout', 'clearTimeout', 'Date'] });
  return { now: () => Date.now(), advance: (ms: number) => vi.advanceTimersByTimeAsync(ms) };
}

describe('runAgent with the dev model', () => {
  it('runs a multi-step tool loop: search, then a lookup of what the search found, then answers', async () => {
    const result = await runAgent({
      provider: dev,
      registry,
      caller: caller(),
      messages: user('Find the cheapest GPU and tell me its price'),
      stepCap: 6,
      deadlineAt: soon(),
    });
    expect(result.stoppedBy).toBe('answer');
    expect(result.toolCalls.map((call) => [call.name, call.input, call.step])).toEqual([
      ['catalog_search', { q: 'gpu', limit: 5 }, 1],
      ['catalog_get', { id: 'spot-gpu-hour' }, 2],
    ]);
    expect(result.toolCalls.every((call) => call.ok)).toBe(true);
    expect(result.reply).toContain('The cheapest is Spot GPU hour (spot-gpu-hour, $0.60)');
    expect(result.usage.inputTokens).toBeGreaterThan(0);
    expect(result.usage.outputTokens).toBeGreaterThan(0);
    // user, assistant(tool call), tool, assistant(tool call), tool, assistant(answer)
    expect(result.messages.map((m) => m.role)).toEqual(['user', 'assistant', 'tool', 'assistant', 'tool', 'assistant']);
  });

  it('is deterministic', async () => {
    const run = () =>
      runAgent({
        provider: dev,
        registry,
        caller: caller(),
        messages: user('what is my plan?'),
        stepCap: 6,
        deadlineAt: soon(),
      });
    const [a, b] = await Promise.all([run(), run()]);
    expect(a.reply).toBe(b.reply);
    expect(a.reply).toContain('You are on the free plan');
    expect(a.toolCalls.map((c) => c.name)).toEqual(['account_get']);
  });

  it('runs tools as the caller: tools outside the scopes are neither offered nor run', async () => {
    const seen: string[][] = [];
    const spy: ModelProvider = {
      ...dev,
      converse: (request: ModelRequest) => {
        seen.push(request.tools.map((t) => t.name));
        return dev.converse(request);
      },
    };
    const result = await runAgent({
      provider: spy,
      registry,
      caller: caller('user-a', [scope('chat')]),
      messages: user('find a gpu'),
      stepCap: 6,
      deadlineAt: soon(),
    });
    expect(seen).toEqual([[]]);
    expect(result.toolCalls).toEqual([]);
    expect(result.reply).toContain('scopes grant none');
  });

  it('feeds tool failures back to the model as results, and the model answers with them', async () => {
    const result = await runAgent({
      provider: dev,
      registry,
      caller: caller(),
      messages: user('tell me about no-such-product'),
      stepCap: 6,
      deadlineAt: soon(),
    });
    expect(result.stoppedBy).toBe('answer');
    expect(result.toolCalls[0]).toMatchObject({ name: 'catalog_get', ok: false, error: { status: 404 } });
    expect(result.messages[2]).toMatchObject({ role: 'tool', isError: true });
    expect(result.reply).toContain('I could not get product no-such-product: No product no-such-product.');
  });

  it('stops cleanly at the step cap, answers with what it has and points to POST /jobs', async () => {
    const result = await runAgent({
      provider: dev,
      registry,
      caller: caller(),
      messages: user('compare every compute product'),
      stepCap: 3,
      deadlineAt: soon(),
    });
    expect(result.stoppedBy).toBe('step-cap');
    expect(result.toolCalls).toHaveLength(3); // 3 model steps, one tool call each
    expect(result.reply).toContain('limit of 3 model steps');
    expect(result.reply).toContain('POST /jobs');
    expect(result.messages.at(-1)).toEqual({ role: 'assistant', content: result.reply });
  });

  it('stops cleanly at the deadline while the model is still thinking', async () => {
    // The loop's clock and its timers (the deadline, the model's latency) run on fake time: the deadline is met to
    // the millisecond, with no wall clock in the assertion.
    const { now, advance } = fakeTime();
    const slow = createDevProvider({ latencyMs: 200 });
    const started = now();
    const running = runAgent({
      provider: slow,
      registry,
      caller: caller(),
      messages: user('compare every compute product'),
      stepCap: 20,
      deadlineAt: started + 500,
      now,
    }).then((result) => ({ result, at: now() }));
    await advance(500);
    const { result, at } = await running;
    expect(result.stoppedBy).toBe('deadline');
    expect(at - started).toBe(500);
    // Two model answers (at 200 and 400 ms), each with a tool call; the third was cut off at 500 ms.
    expect(result.toolCalls).toHaveLength(2);
    expect(result.reply).toContain('ran out of time');
    expect(result.reply).toContain('POST /jobs');
    // The history stays valid for the next turn: every tool call has its result, and it ends with the assistant.
    expect(result.messages.at(-1)?.role).toBe('assistant');
  });

  it('stops at the deadline while a tool hangs, and records the unfinished call', async () => {
    const hanging = new ToolRegistry([
      defineTool({
        name: 'wait_forever',
        description: 'never returns',
        input: z.object({}),
        output: z.object({}),
        scope: scope('tools'),
        handler: () => new Promise(() => undefined),
      }),
    ]);
    const callsHang: ModelProvider = {
      name: 'scripted',
      modelId: 'scripted',
      converse: async () => ({
        message: {
          role: 'assistant',
          content: 'Let me wait.',
          toolCalls: [{ id: 't1', name: 'wait_forever', input: {} }],
        },
        stopReason: 'tool_use',
        usage: { inputTokens: 10, outputTokens: 5 },
      }),
    };
    const { now, advance } = fakeTime();
    const running = runAgent({
      provider: callsHang,
      registry: hanging,
      caller: caller(),
      messages: user('wait'),
      stepCap: 6,
      deadlineAt: now() + 150,
      now,
    });
    await advance(150);
    const result = await running;
    expect(result.stoppedBy).toBe('deadline');
    expect(result.toolCalls).toEqual([
      expect.objectContaining({ name: 'wait_forever', ok: false, error: expect.objectContaining({ status: 504 }) }),
    ]);
    expect(result.reply.startsWith('Let me wait.')).toBe(true);
    expect(result.usage).toEqual({ inputTokens: 10, outputTokens: 5 });
    expect(result.messages.map((m) => m.role)).toEqual(['user', 'assistant', 'tool', 'assistant']);
  });

  it('does not start at all past the deadline', async () => {
    const converse = vi.fn(dev.converse);
    const result = await runAgent({
      provider: { ...dev, converse },
      registry,
      caller: caller(),
      messages: user('find a gpu'),
      stepCap: 6,
      deadlineAt: Date.now() - 1,
    });
    expect(result.stoppedBy).toBe('deadline');
    expect(converse).not.toHaveBeenCalled();
  });

  it('propagates a caller abort (client gone) instead of answering', async () => {
    const controller = new AbortController();
    const slow = createDevProvider({ latencyMs: 1_000 });
    const run = runAgent({
      provider: slow,
      registry,
      caller: caller(),
      messages: user('find a gpu'),
      stepCap: 6,
      deadlineAt: soon(),
      signal: controller.signal,
    });
    controller.abort(new Error('client went away'));
    await expect(run).rejects.toThrow('client went away');
  });

  it('reports unexpected tool failures to onToolError without showing them to the model', async () => {
    const failing = new ToolRegistry([
      defineTool({
        name: 'explode',
        description: 'fails',
        input: z.object({}),
        output: z.object({}),
        scope: scope('tools'),
        handler: async () => {
          throw new Error('database password is hunter2');
        },
      }),
    ]);
    let step = 0;
    const scripted: ModelProvider = {
      name: 'scripted',
      modelId: 'scripted',
      converse: async () =>
        step++ === 0
          ? {
              message: { role: 'assistant', content: '', toolCalls: [{ id: 'x', name: 'explode', input: {} }] },
              stopReason: 'tool_use',
              usage: { inputTokens: 1, outputTokens: 1 },
            }
          : {
              message: { role: 'assistant', content: 'Sorry.' },
              stopReason: 'end_turn',
              usage: { inputTokens: 1, outputTokens: 1 },
            },
    };
    const onToolError = vi.fn();
    const result = await runAgent({
      provider: scripted,
      registry: failing,
      caller: caller(),
      messages: user('go'),
      stepCap: 6,
      deadlineAt: soon(),
      onToolError,
    });
    expect(onToolError).toHaveBeenCalledOnce();
    expect(JSON.stringify(result.messages)).not.toContain('hunter2');
    expect(result.toolCalls[0]?.error).toEqual({
      status: 500,
      title: 'Tool failed',
      detail: 'The tool failed unexpectedly.',
    });
  });

  it('runs at most MAX_TOOL_CALLS_PER_STEP tool calls per model step; the others get a "not run" result', async () => {
    const ran: string[] = [];
    const counting = new ToolRegistry([
      defineTool({
        name: 'count',
        description: 'counts',
        scope: scope('tools'),
        input: z.object({}),
        output: z.object({}),
        handler: async () => {
          ran.push('x');
          return {};
        },
      }),
    ]);
    let step = 0;
    const asks = 100;
    const greedy: ModelProvider = {
      name: 'scripted',
      modelId: 'scripted',
      converse: async () =>
        step++ === 0
          ? {
              message: {
                role: 'assistant',
                content: '',
                toolCalls: Array.from({ length: asks }, (_, i) => ({ id: `c${i}`, name: 'count', input: {} })),
              },
              stopReason: 'tool_use',
              usage: { inputTokens: 1, outputTokens: 1 },
            }
          : {
              message: { role: 'assistant', content: 'Done.' },
              stopReason: 'end_turn',
              usage: { inputTokens: 1, outputTokens: 1 },
            },
    };
    const result = await runAgent({
      provider: greedy,
      registry: counting,
      caller: caller(),
      messages: user('go'),
      stepCap: 6,
      deadlineAt: soon(),
    });
    expect(ran).toHaveLength(MAX_TOOL_CALLS_PER_STEP);
    expect(result.toolCalls).toHaveLength(asks);
    expect(result.toolCalls.filter((call) => call.error?.title === 'Not run')).toHaveLength(
      asks - MAX_TOOL_CALLS_PER_STEP,
    );
    // Every call still has its result message, so the history stays valid for the next model call.
    expect(result.messages.filter((message) => message.role === 'tool')).toHaveLength(asks);
    expect(result.reply).toBe('Done.');
  });
});

describe('runAgent streaming (onEvent)', () => {
  const deltas = (events: AgentEvent[]) =>
    events.flatMap((event) => (event.type === 'delta' ? [event.text] : [])).join('');

  it('emits tool calls, their results and the text as it is generated; the deltas are the reply', async () => {
    const events: AgentEvent[] = [];
    const result = await runAgent({
      provider: createDevProvider({ chunkDelayMs: 1 }),
      registry,
      caller: caller(),
      messages: user('Find the cheapest GPU and tell me its price'),
      stepCap: 6,
      deadlineAt: soon(),
      onEvent: (event) => events.push(event),
    });
    const kinds = events.map((event) => event.type);
    expect(kinds.slice(0, 4)).toEqual(['tool_call', 'tool_result', 'tool_call', 'tool_result']);
    expect(kinds.slice(4).every((kind) => kind === 'delta')).toBe(true);
    expect(kinds.length).toBeGreaterThan(8);
    expect(deltas(events)).toBe(result.reply);
    const buffered = await runAgent({
      provider: dev,
      registry,
      caller: caller(),
      messages: user('Find the cheapest GPU and tell me its price'),
      stepCap: 6,
      deadlineAt: soon(),
    });
    expect(buffered.reply).toBe(result.reply);
  });

  it('a caller abort mid-answer ends with AgentInterruptedError: the text so far kept, marked interrupted, charged', async () => {
    const controller = new AbortController();
    const events: AgentEvent[] = [];
    const run = runAgent({
      provider: createDevProvider({ chunkDelayMs: 2 }),
      registry,
      caller: caller(),
      messages: user('hello'),
      stepCap: 6,
      deadlineAt: soon(),
      signal: controller.signal,
      onEvent: (event) => {
        events.push(event);
        if (events.length === 3) controller.abort(new Error('client went away'));
      },
    });
    const error = await run.catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(AgentInterruptedError);
    const { partial } = error as AgentInterruptedError;
    expect(partial.messages.at(-1)).toEqual({ role: 'assistant', content: deltas(events), interrupted: true });
    expect(partial.reply).toBe(deltas(events));
    expect(partial.usage.inputTokens).toBeGreaterThan(0);
    expect(partial.usage.outputTokens).toBeGreaterThan(0);
  });

  it('an abort while a tool runs keeps a valid history: the unanswered call gets a "not run" result', async () => {
    const controller = new AbortController();
    const run = runAgent({
      provider: dev,
      registry,
      caller: caller(),
      messages: user('find a gpu'),
      stepCap: 6,
      deadlineAt: soon(),
      signal: controller.signal,
      onEvent: (event) => {
        if (event.type === 'tool_call') controller.abort(new Error('client went away'));
      },
    });
    const { partial } = (await run.catch((caught: unknown) => caught)) as AgentInterruptedError;
    const [, assistant, tool, last] = partial.messages;
    expect(assistant).toMatchObject({ role: 'assistant', toolCalls: [{ name: 'catalog_search' }] });
    expect(tool).toMatchObject({ role: 'tool', isError: true, name: 'catalog_search' });
    expect(last).toEqual({ role: 'assistant', content: '', interrupted: true });
  });

  it('the deadline mid-stream ends it cleanly: stoppedBy deadline, and the deltas still spell the reply', async () => {
    const events: AgentEvent[] = [];
    const result = await runAgent({
      provider: createDevProvider({ chunkDelayMs: 20 }),
      registry,
      caller: caller(),
      messages: user('hello'),
      stepCap: 6,
      deadlineAt: Date.now() + 150,
      onEvent: (event) => events.push(event),
    });
    expect(result.stoppedBy).toBe('deadline');
    expect(result.modelAnswered).toBe(true);
    expect(result.reply).toContain('ran out of time');
    expect(deltas(events)).toBe(result.reply);
    expect(result.usage.outputTokens).toBeGreaterThan(0);
  });
});
