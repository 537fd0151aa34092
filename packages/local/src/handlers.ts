import { HTTP_TIERS, type HttpTier, manifest } from '@toolgate/core/manifest';
import { installLambdaStreamingRuntime, isStreamingHandler, type StreamingLambdaHandler } from './gateway/streaming';
import type { LambdaHandler, TierHandlers } from './gateway/types';
import type { SqsHandler } from './queue/poller';

/** The tiers that serve at least one manifest route: only those have a handler module to load. */
export const servedTiers = (): HttpTier[] => HTTP_TIERS.filter((tier) => manifest.some((route) => route.tier === tier));

/**
 * Imports each served tier's real handler module, except the tiers a test injected. Must run only after the
 * local environment is in place: handler modules read their configuration when they are first imported.
 */
export async function loadTierHandlers(injected: TierHandlers = {}): Promise<TierHandlers> {
  const handlers: TierHandlers = { ...injected };
  for (const tier of servedTiers()) {
    if (handlers[tier]) continue;
    const module = (await importTier(tier)) as { handler?: unknown };
    if (typeof module.handler !== 'function') {
      throw new Error(`@toolgate/functions/handlers/${tier} does not export a handler function`);
    }
    handlers[tier] = module.handler as LambdaHandler;
  }
  return handlers;
}

function importTier(tier: HttpTier): Promise<unknown> {
  // The Lambda runtime's streaming global exists before any handler module runs, as on AWS.
  installLambdaStreamingRuntime();
  return import(`@toolgate/functions/handlers/${tier}`);
}

/**
 * The response-streaming handlers (`streamHandler` exports) of the tiers that have manifest routes with `stream`,
 * except the tiers a test injected (their buffered handler is all they have).
 */
export async function loadStreamHandlers(
  injected: TierHandlers = {},
): Promise<Partial<Record<HttpTier, StreamingLambdaHandler>>> {
  const handlers: Partial<Record<HttpTier, StreamingLambdaHandler>> = {};
  for (const tier of servedTiers()) {
    if (injected[tier] || !manifest.some((route) => route.tier === tier && 'stream' in route && route.stream)) continue;
    const module = (await importTier(tier)) as { streamHandler?: unknown };
    if (!isStreamingHandler(module.streamHandler)) {
      throw new Error(`@toolgate/functions/handlers/${tier} streams routes but exports no streamHandler`);
    }
    handlers[tier] = module.streamHandler;
  }
  return handlers;
}

/** Imports the worker tier's real SQS handler (after the local environment is in place, like the others). */
export async function loadWorkerHandler(): Promise<SqsHandler> {
  const module = (await import('@toolgate/functions/handlers/worker')) as { handler?: unknown };
  if (typeof module.handler !== 'function') {
    throw new Error('@toolgate/functions/handlers/worker does not export a handler function');
  }
  return module.handler as SqsHandler;
}
