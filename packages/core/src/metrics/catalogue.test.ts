import { describe, expect, it } from 'vitest';
import { ForbiddenError } from '../errors';
import { caller } from '../testing/agent-fakes';
import { jobsHarness } from '../testing/jobs-harness';
import { recordingMetrics } from '../testing/metrics';
import { defineTool, ToolRegistry } from '../tools/registry';
import * as z from '../zod';
import { boundedDimensions, METRIC_CATALOGUE, METRIC_NAMES, OTHER, within } from './catalogue';

describe('metric catalogue', () => {
  it('keeps every dimension bounded: a value outside its list, or free text, becomes `other`', () => {
    expect(boundedDimensions('RateLimited', { plan: 'pro', rateClass: 'chat' })).toEqual({
      plan: 'pro',
      rateClass: 'chat',
    });
    // A user id in a dimension would be one billed series per user: never emitted.
    expect(boundedDimensions('RateLimited', { plan: 'user-123', rateClass: 'chat' })).toEqual({
      plan: OTHER,
      rateClass: 'chat',
    });
    expect(boundedDimensions('ToolCalls', { tool: 'catalog_get', outcome: 'ok', sub: 'alice' })).toEqual({
      tool: 'catalog_get',
      outcome: 'ok',
    });
    expect(boundedDimensions('ToolCalls', { tool: 'a b'.repeat(40), outcome: 'weird' })).toEqual({
      tool: OTHER,
      outcome: OTHER,
    });
    expect(boundedDimensions('Jobs', {})).toEqual({ outcome: OTHER });
    expect(within(['a', 'b'], 'b')).toBe('b');
    expect(within(['a', 'b'], 42)).toBe(OTHER);
  });

  it('names no dimension after a person or a request', () => {
    const names = METRIC_NAMES.flatMap((name) => Object.keys(METRIC_CATALOGUE[name].dimensions));
    for (const forbidden of ['sub', 'user', 'userId', 'ip', 'sourceIp', 'requestId', 'jobId', 'uploadId']) {
      expect(names).not.toContain(forbidden);
    }
  });
});

describe('business events', () => {
  const alice = caller('alice');

  it('the tool registry counts each call of a registered tool by outcome, and no call of an unknown one', async () => {
    const metrics = recordingMetrics();
    const echo = defineTool({
      name: 'echo',
      description: 'echo',
      scope: alice.scopes[0] as never,
      input: z.object({ text: z.string() }),
      output: z.object({ text: z.string() }),
      handler: async ({ text }) => ({ text }),
    });
    const broken = defineTool({ ...echo, name: 'broken', handler: async () => ({}) as never });
    const registry = new ToolRegistry([echo, broken], { metrics });
    await registry.call('echo', { text: 'hi' }, { caller: alice });
    await expect(registry.call('echo', { text: 3 }, { caller: alice })).rejects.toThrow();
    await expect(registry.call('echo', {}, { caller: { ...alice, scopes: [] } })).rejects.toThrow(ForbiddenError);
    await expect(registry.call('broken', { text: 'x' }, { caller: alice })).rejects.toThrow();
    await expect(registry.call('nope', {}, { caller: alice })).rejects.toThrow();
    expect(metrics.records).toEqual([
      { name: 'ToolCalls', value: 1, dimensions: { tool: 'echo', outcome: 'ok' } },
      { name: 'ToolCalls', value: 1, dimensions: { tool: 'echo', outcome: 'rejected' } },
      { name: 'ToolCalls', value: 1, dimensions: { tool: 'echo', outcome: 'rejected' } },
      { name: 'ToolCalls', value: 1, dimensions: { tool: 'broken', outcome: 'failed' } },
    ]);
  });

  it('the job worker counts the delivery by outcome, its duration and the tokens by provider', async () => {
    const h = jobsHarness();
    const { job } = await h.service.submit({ caller: alice, request: { prompt: 'find the cheapest gpu' } });
    await expect(h.worker.process(h.delivery(job.jobId), { deadlineAt: h.now() + 60_000 })).resolves.toBe('succeeded');
    expect(h.metrics.sum('Jobs', { outcome: 'succeeded' })).toBe(1);
    expect(h.metrics.records.filter((r) => r.name === 'JobDuration')).toEqual([
      { name: 'JobDuration', value: expect.any(Number), dimensions: { outcome: 'succeeded' } },
    ]);
    expect(h.metrics.sum('ChatTokensIn', { provider: 'dev' })).toBeGreaterThan(0);
    expect(h.metrics.sum('ChatTokensOut', { provider: 'dev' })).toBeGreaterThan(0);
    expect(h.metrics.sum('ToolCalls', { outcome: 'ok' })).toBeGreaterThan(0);
    // A redelivery of the finished job ran nothing: not counted again.
    await h.worker.process(h.delivery(job.jobId), { deadlineAt: h.now() + 60_000 });
    expect(h.metrics.sum('Jobs')).toBe(1);
  });
});
