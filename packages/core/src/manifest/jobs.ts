import { scope } from '../scopes';
import type { RouteSpec } from './types';

/** Job routes: long inference runs as a queued job (SQS → worker) and is polled, past the gateway's 30 s limit. */
export const jobRoutes = {
  jobSubmit: {
    method: 'POST',
    path: '/jobs',
    tier: 'api',
    auth: { kind: 'jwt', scopes: [scope('jobs')] },
    // Each job costs model time: it counts against the same per-plan class as a chat.
    rateClass: 'chat',
    summary: 'Queue a long-running agent job (prompt or messages); answers 202 with the job and its Location',
  },
  jobsList: {
    method: 'GET',
    path: '/jobs',
    tier: 'api',
    auth: { kind: 'jwt', scopes: [scope('jobs')] },
    rateClass: 'standard',
    summary: "The caller's jobs, newest first, paginated",
  },
  jobGet: {
    method: 'GET',
    path: '/jobs/{id}',
    tier: 'api',
    auth: { kind: 'jwt', scopes: [scope('jobs')] },
    rateClass: 'standard',
    summary: "One of the caller's jobs: status, timestamps, and the result or the error",
  },
} as const satisfies Record<string, RouteSpec>;
