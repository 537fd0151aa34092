/**
 * The one source of time. A module that needs "now" takes a `Clock` from whoever builds it; only this file reads
 * the wall clock, and only composition roots (`packages/functions/src/deps`, the local runtime) leave the default.
 * Tests inject a fixed or manual clock into the code *and* every fake it talks to, so a test never compares a time
 * it chose with the wall clock — the date bomb that once turned main red a week after a test was written.
 * `clock.test.ts` refuses any other read of the wall clock in core and functions; CI runs the suite under
 * libfaketime (+400 and -30 days) to prove no test depends on the calendar.
 */

/** Epoch milliseconds. */
export type Clock = () => number;

export const systemClock: Clock = () => Date.now();

/** Whole seconds since the epoch, the unit of DynamoDB TTL attributes and JWT claims. */
export function epochSeconds(ms: number): number {
  return Math.floor(ms / 1000);
}
