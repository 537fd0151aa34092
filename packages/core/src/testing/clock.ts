import type { Clock } from '../clock';

/**
 * A clock tests own: it starts at a fixed instant far from the wall clock's (so a test that mixes in `Date.now()`
 * fails at once instead of weeks later) and moves only when told to.
 */
export const TEST_EPOCH_MS = Date.UTC(2031, 4, 15, 12, 0, 0);

export interface ManualClock extends Clock {
  advance(ms: number): void;
  set(ms: number): void;
}

export function manualClock(startMs: number = TEST_EPOCH_MS): ManualClock {
  let now = startMs;
  const clock = (() => now) as ManualClock;
  clock.advance = (ms) => {
    now += ms;
  };
  clock.set = (ms) => {
    now = ms;
  };
  return clock;
}
