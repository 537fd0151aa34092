/** Fixed rate-limit windows (UTC). A window's key names it in the counter item's sort key. */
export interface FixedWindow {
  key: string;
  startMs: number;
  endMs: number;
}

const MINUTE_MS = 60_000;

export function minuteWindow(now: number): FixedWindow {
  const startMs = Math.floor(now / MINUTE_MS) * MINUTE_MS;
  return { key: new Date(startMs).toISOString().slice(0, 16), startMs, endMs: startMs + MINUTE_MS };
}

export function monthWindow(now: number): FixedWindow {
  const date = new Date(now);
  const startMs = Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), 1);
  const endMs = Date.UTC(date.getUTCFullYear(), date.getUTCMonth() + 1, 1);
  return { key: new Date(startMs).toISOString().slice(0, 7), startMs, endMs };
}

/** Whole seconds until the window ends, at least 1 (a `Retry-After: 0` invites a hot retry loop). */
export function secondsUntil(window: FixedWindow, now: number): number {
  return Math.max(1, Math.ceil((window.endMs - now) / 1000));
}
