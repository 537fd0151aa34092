import { HTTP_TIERS, type HttpTier, manifest } from '@toolgate/core/manifest';
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
    const module = (await import(`@toolgate/functions/handlers/${tier}`)) as { handler?: unknown };
    if (typeof module.handler !== 'function') {
      throw new Error(`@toolgate/functions/handlers/${tier} does not export a handler function`);
    }
    handlers[tier] = module.handler as LambdaHandler;
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

/** Imports the worker tier's real SQS handler (after the local environment is in place, like the others). */
export async function loadWorkerHandler(): Promise<SqsHandler> {
  const module = (await import('@toolgate/functions/handlers/worker')) as { handler?: unknown };
  if (typeof module.handler !== 'function') {
    throw new Error('@toolgate/functions/handlers/worker does not export a handler function');
  }
  return module.handler as SqsHandler;
}
