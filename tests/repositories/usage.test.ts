import { randomUUID } from 'node:crypto';
import { createUsageStore, type UsageStore } from '@toolgate/core/limits/aws/usage';
import { minuteWindow, monthWindow } from '@toolgate/core/limits/windows';
import { memoryUsage } from '@toolgate/core/testing/agent-fakes';
import { TEST_EPOCH_MS } from '@toolgate/core/testing/clock';
import { describe, expect, it } from 'vitest';
import { useDynaliteTable } from '../support/dynalite';

/**
 * The usage counters' contract (all-or-nothing hits under a limit, releases that never go below zero, token totals),
 * run against the in-memory fake the rate-limit and quota tests use and against DynamoDB on dynalite alike.
 */
const table = useDynaliteTable();

const implementations: [string, () => UsageStore][] = [
  ['in-memory fake', memoryUsage],
  ['DynamoDB on dynalite', () => createUsageStore(table().doc, table().tableName, () => TEST_EPOCH_MS)],
];

const minute = minuteWindow(TEST_EPOCH_MS);
const month = monthWindow(TEST_EPOCH_MS);

describe.each(implementations)('usage store: %s', (_name, create) => {
  it('counts hits up to the limit, all or nothing, per user, counter and window', async () => {
    const usage = create();
    const sub = `user-${randomUUID()}`;
    expect(await usage.hit(sub, 'chat', minute, 3)).toEqual({ allowed: true, count: 1 });
    expect(await usage.hit(sub, 'chat', minute, 3, 2)).toEqual({ allowed: true, count: 3 });
    expect(await usage.hit(sub, 'chat', minute, 3)).toEqual({ allowed: false, count: 3 });
    expect(await usage.hit(sub, 'tools', minute, 3, 3)).toEqual({ allowed: true, count: 3 });
    expect(await usage.hit(sub, 'chat', minuteWindow(minute.endMs), 3)).toEqual({ allowed: true, count: 1 });
    expect(await usage.hit(`user-${randomUUID()}`, 'chat', minute, 3)).toEqual({ allowed: true, count: 1 });
  });

  it('refuses more than fits without counting any of it', async () => {
    const usage = create();
    const sub = `user-${randomUUID()}`;
    await usage.hit(sub, 'chat', minute, 3, 2);
    expect(await usage.hit(sub, 'chat', minute, 3, 2)).toEqual({ allowed: false, count: 3 });
    expect(await usage.hit(sub, 'chat', minute, 3)).toEqual({ allowed: true, count: 3 });
  });

  it('takes back released hits, never below zero', async () => {
    const usage = create();
    const sub = `user-${randomUUID()}`;
    await usage.hit(sub, 'chat', minute, 3, 3);
    await usage.release(sub, 'chat', minute, 2);
    await usage.release(sub, 'chat', minute, 2);
    expect(await usage.hit(sub, 'chat', minute, 3, 2)).toEqual({ allowed: true, count: 3 });
    await usage.release(sub, 'other', minute);
    expect(await usage.hit(sub, 'other', minute, 1)).toEqual({ allowed: true, count: 1 });
  });

  it("adds spent tokens to the month's total", async () => {
    const usage = create();
    const sub = `user-${randomUUID()}`;
    expect(await usage.tokensUsed(sub, month)).toBe(0);
    expect(await usage.addTokens(sub, month, 120)).toBe(120);
    expect(await usage.addTokens(sub, month, 30)).toBe(150);
    expect(await usage.tokensUsed(sub, month)).toBe(150);
    expect(await usage.tokensUsed(sub, monthWindow(month.endMs))).toBe(0);
  });
});
