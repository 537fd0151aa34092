import type { Clock } from '@toolgate/core/clock';
import { HTTP_TIERS, type HttpTier } from '@toolgate/core/manifest';
import type { TierConcurrency } from '../gateway/server';
import type { AccessLogEntry } from '../gateway/types';

/**
 * What the dev console shows about traffic: the gateway's access log entries (never headers, query strings or
 * bodies), the handlers' JSON log lines grouped by request id, and a per-second series of each tier's concurrency
 * and refusals. Everything is bounded: old entries fall off the end.
 */

/** Which check gave the answer, in the order a request meets them. */
export type AnsweredBy = 'gateway' | 'throttle' | 'authorizer' | 'concurrency' | 'timeout' | 'lambda-guard' | 'handler';

export interface RequestRecord extends AccessLogEntry {
  seq: number;
  /** Epoch ms when the answer was written. */
  at: number;
  answeredBy: AnsweredBy;
}

export interface TierSample {
  at: number;
  tiers: Record<
    HttpTier,
    { inUse: number; reserved: number; requests: number; s429: number; s500: number; s503: number }
  >;
}

const MAX_REQUESTS = 2_000;
const MAX_LOGGED_REQUESTS = 1_000;
const MAX_LINES_PER_REQUEST = 200;
const MAX_SAMPLES = 120;

export function answeredBy(entry: AccessLogEntry): AnsweredBy {
  const reason = entry.gatewayError;
  if (reason?.startsWith('authorizer:')) return 'authorizer';
  if (reason === 'throttled') return 'throttle';
  if (reason === 'function throttled (reserved concurrency)') return 'concurrency';
  if (reason === 'integration timeout') return 'timeout';
  if (reason) return 'gateway';
  // The tier's own guard re-verifies the token and the route's scopes: it is the only 401/403 a Lambda gives.
  if (entry.status === 401 || entry.status === 403) return 'lambda-guard';
  return 'handler';
}

type Counts = Record<HttpTier, { requests: number; s429: number; s500: number; s503: number }>;
const zeroCounts = (): Counts =>
  Object.fromEntries(HTTP_TIERS.map((tier) => [tier, { requests: 0, s429: 0, s500: 0, s503: 0 }])) as Counts;

export class ConsoleRecorder {
  private seq = 0;
  private readonly requests: RequestRecord[] = [];
  /** Insertion-ordered, so the oldest request id is the first key. */
  private readonly lines = new Map<string, Record<string, unknown>[]>();
  private readonly samples: TierSample[] = [];
  private counts = zeroCounts();
  private readonly totals = zeroCounts();

  constructor(private readonly clock: Clock) {}

  record(entry: AccessLogEntry): void {
    this.seq += 1;
    this.requests.push({ ...entry, seq: this.seq, at: this.clock(), answeredBy: answeredBy(entry) });
    if (this.requests.length > MAX_REQUESTS) this.requests.splice(0, this.requests.length - MAX_REQUESTS);
    if (!entry.tier) return;
    for (const counts of [this.counts[entry.tier], this.totals[entry.tier]]) {
      counts.requests += 1;
      if (entry.status === 429) counts.s429 += 1;
      if (entry.status === 500 && entry.gatewayError === 'function throttled (reserved concurrency)') counts.s500 += 1;
      if (entry.status === 503) counts.s503 += 1;
    }
  }

  /** Requests after `since` (a `seq`), oldest first. */
  requestsSince(since: number): RequestRecord[] {
    return this.requests.filter((request) => request.seq > since);
  }

  /** A JSON log line: kept when it names a request (`correlation_id`, else `requestId`). */
  logLine(line: Record<string, unknown>): void {
    const id = line.correlation_id ?? line.requestId;
    if (typeof id !== 'string' || id === '') return;
    let list = this.lines.get(id);
    if (!list) {
      list = [];
      this.lines.set(id, list);
      if (this.lines.size > MAX_LOGGED_REQUESTS) this.lines.delete(this.lines.keys().next().value as string);
    }
    if (list.length < MAX_LINES_PER_REQUEST) list.push(line);
  }

  linesOf(requestId: string): Record<string, unknown>[] {
    return this.lines.get(requestId) ?? [];
  }

  /** Closes the current one-second bucket with the gateway's concurrency at this instant. */
  sample(concurrency: TierConcurrency): void {
    const tiers = Object.fromEntries(
      HTTP_TIERS.map((tier) => [tier, { ...concurrency[tier], ...this.counts[tier] }]),
    ) as TierSample['tiers'];
    this.samples.push({ at: this.clock(), tiers });
    if (this.samples.length > MAX_SAMPLES) this.samples.shift();
    this.counts = zeroCounts();
  }

  series(): { samples: TierSample[]; totals: Counts } {
    return { samples: [...this.samples], totals: structuredClone(this.totals) };
  }
}
