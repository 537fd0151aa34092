import type { Tier } from '../concurrency';
import type { StageSettings } from './stages';

/**
 * Secrets are `sst.Secret`s: set per stage with `pnpm sst secret set <Name> <value> --stage <stage>`, stored
 * encrypted in the account, never in a file in git. Each is linked only to the tiers that read it.
 */
export interface SecretSpec {
  name: 'StripeWebhookSecret' | 'OpenAiApiKey';
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

export const OPENAI_API_KEY: SecretSpec = {
  name: 'OpenAiApiKey',
  purpose: 'authenticates the OpenAI-compatible model provider (stages whose model.provider is "openai")',
  source: 'your OpenAI (or compatible provider) dashboard',
  tiers: ['api', 'worker', 'steps'],
};

/** The secrets a stage cannot deploy without (`sst deploy` fails on an `sst.Secret` that has no value). */
export function requiredSecrets(settings: Pick<StageSettings, 'model'>): SecretSpec[] {
  return settings.model.provider === 'openai' ? [STRIPE_WEBHOOK_SECRET, OPENAI_API_KEY] : [STRIPE_WEBHOOK_SECRET];
}
