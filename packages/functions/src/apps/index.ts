import type { HttpTier } from '@toolgate/core/manifest';
import type { Hono } from 'hono';
import type { AppEnv } from '../http/types';
import { type ApiDeps, createApiApp } from './api';
import { createPublicApp, type PublicDeps } from './public';
import { createWebhookApp, type WebhookDeps } from './webhook';

/** Every HTTP tier's app factory: the policy test walks them all. */
export interface TierDeps {
  public: PublicDeps;
  api: ApiDeps;
  webhook: WebhookDeps;
}

export const tierApps: { [T in keyof TierDeps]: (deps: TierDeps[T]) => Hono<AppEnv> } = {
  public: createPublicApp,
  api: createApiApp,
  webhook: createWebhookApp,
};

export type ServedTier = keyof TierDeps & HttpTier;
