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

export type StreamHandlers = Partial<Record<HttpTier, StreamingLambdaHandler>>;

/** The served tiers with manifest routes that stream, but those a test injected (its buffered handler is all it has). */
const streamedTiers = (injected: TierHandlers): HttpTier[] =>
  servedTiers().filter(
    (tier) => !injected[tier] && manifest.some((route) => route.tier === tier && 'stream' in route && route.stream),
  );

/**
 * The response-streaming handlers (`streamHandler` exports) of the tiers that have manifest routes with `stream`,
 * except the tiers a test injected (their buffered handler is all they have).
 */
export async function loadStreamHandlers(injected: TierHandlers = {}): Promise<StreamHandlers> {
  const handlers: StreamHandlers = {};
  for (const tier of streamedTiers(injected)) {
    const module = (await importTier(tier)) as { streamHandler?: unknown };
    if (!isStreamingHandler(module.streamHandler)) {
      throw new Error(`@toolgate/functions/handlers/${tier} streams routes but exports no streamHandler`);
    }
    handlers[tier] = module.streamHandler;
  }
  return handlers;
}

/**
 * The served tiers' handlers as hot reload gives them (`reload/reloader.ts`): each call goes to the handler of the
 * moment, so a reload needs no change to the gateway. Injected tiers stay as given.
 */
export function reloadingTierHandlers(
  current: () => { http: TierHandlers },
  injected: TierHandlers = {},
): TierHandlers {
  const handlers: TierHandlers = { ...injected };
  for (const tier of servedTiers()) {
    handlers[tier] ??= (event, context) => {
      const handler = current().http[tier];
      if (!handler) throw new Error(`the reloaded handlers have no ${tier} tier`);
      return handler(event, context);
    };
  }
  return handlers;
}

/** `reloadingTierHandlers` for the response-streaming handlers: each call goes to the last good build's. */
export function reloadingStreamHandlers(
  current: () => { streams: StreamHandlers },
  injected: TierHandlers = {},
): StreamHandlers {
  const handlers: StreamHandlers = {};
  for (const tier of streamedTiers(injected)) {
    handlers[tier] = (event, responseStream, context) => {
      const handler = current().streams[tier];
      if (!handler) throw new Error(`the reloaded ${tier} tier exports no streamHandler`);
      return handler(event, responseStream, context);
    };
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
