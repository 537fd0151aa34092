import { INIT_CHECK_MESSAGE } from '@toolgate/core/deploy/lambda-node';
import { afterEach, describe, expect, it, vi } from 'vitest';

vi.mock('./init-check', () => ({
  initCheck: () => ({
    node: 'v24.22.3',
    arch: 'arm64',
    execArgv: [],
    compileCache: 'match',
    compileCacheBuiltFor: ['v24.22.3-arm64-00000000-0'],
  }),
}));

const { createTierLogger, TierLogger } = await import('./logging');

afterEach(() => vi.restoreAllMocks());

describe('the init line', () => {
  it('is written once per tier in a process, however many loggers the tier builds', () => {
    const info = vi.spyOn(TierLogger.prototype, 'info');
    const initLines = () => info.mock.calls.filter(([message]) => message === INIT_CHECK_MESSAGE).length;
    createTierLogger('api');
    // The api tier's lazy routes build the whole tier's app, and its logger, on their first request.
    createTierLogger('api');
    expect(initLines()).toBe(1);
    // Locally the tiers share a process: each still writes its own.
    createTierLogger('public');
    expect(initLines()).toBe(2);
  });
});
