import type { Tier } from '../concurrency';
import type { StageSettings } from './stages';

/**
 * Secrets are `sst.Secret`s: set per stage with `pnpm sst secret set <Name> <value> --stage <stage>`, stored
 * encrypted in the account, never in a file in git. Each is linked only to the tiers that read it.
 */
export interface SecretSpec {
  name: 'StripeWebhookSecret' | 'OpenAiApiKey' | 'CursorSigningKey';
  purpose: string;
  /** Where to get the value. */
  source: string;
  tiers: readonly Tier[];
}

export const STRIPE_WEBHOOK_SECRET: SecretSpec = {
  name: 'StripeWebhookSecret',
  purpose: 'verifies the Stripe-Signature header of POST /webhooks/stripe',
  source:
    'Stripe Dashboard > Developers > Webhooks > your endpoint > Signing secret (whsec_...). Not using Stripe yet? ' +
    'Set whsec_ followed by a random string: every webhook is then rejected, which is the safe default.',
  tiers: ['webhook'],
};

export const CURSOR_SIGNING_KEY: SecretSpec = {
  name: 'CursorSigningKey',
  purpose:
    'signs the pagination cursors of GET /catalog, /jobs and /documents (and the listing tools), so that a forged ' +
    'or edited cursor is a 400 instead of a DynamoDB error; rotating it turns outstanding cursors into 400s',
  source: 'any random value of at least 32 characters, e.g. `openssl rand -base64 32`',
  tiers: ['public', 'api'],
};

export const OPENAI_API_KEY: SecretSpec = {
  name: 'OpenAiApiKey',
  purpose: 'authenticates the OpenAI-compatible model provider (stages whose model.provider is "openai")',
  source: 'your OpenAI (or compatible provider) dashboard',
  tiers: ['api', 'worker', 'steps'],
};

/** The secrets a stage cannot deploy without (`sst deploy` fails on an `sst.Secret` that has no value). */
export function requiredSecrets(settings: Pick<StageSettings, 'model'>): SecretSpec[] {
  const always = [STRIPE_WEBHOOK_SECRET, CURSOR_SIGNING_KEY];
  return settings.model.provider === 'openai' ? [...always, OPENAI_API_KEY] : always;
}
