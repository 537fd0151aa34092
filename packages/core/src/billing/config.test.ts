import { describe, expect, it } from 'vitest';
import { LOCAL_STRIPE_PRICES, LOCAL_STRIPE_WEBHOOK_SECRET } from '../config-reader';
import { readConfig } from '../config-schema';

/** The billing part of the config: the webhook secret and the price → plan map. */
describe('billing configuration', () => {
  const auth = JSON.stringify({ kind: 'local', issuer: 'x', clientIds: ['c'], jwksUri: 'http://127.0.0.1/jwks' });
  const local = { TOOLGATE_TABLE_NAME: 't', TOOLGATE_BUCKET_NAME: 'b', TOOLGATE_AUTH: auth };
  const resources = {
    App: { stage: 'prod' },
    Table: { name: 't' },
    Uploads: { name: 'b' },
    Auth: { kind: 'cognito', userPoolId: 'us-east-1_abc', clientIds: ['c'] },
  };
  const deployed = { AWS_REGION: 'us-east-1', SST_RESOURCE_App: '{}' };

  it('locally: the dev secret and the fixture price by default, overridable from the environment', () => {
    expect(readConfig(local)).toMatchObject({
      stripeWebhookSecret: LOCAL_STRIPE_WEBHOOK_SECRET,
      stripePrices: LOCAL_STRIPE_PRICES,
    });
    const custom = readConfig({
      ...local,
      TOOLGATE_STRIPE_WEBHOOK_SECRET: 'whsec_mine',
      TOOLGATE_STRIPE_PRICES: JSON.stringify({ price_a: 'pro' }),
    });
    expect(custom).toMatchObject({ stripeWebhookSecret: 'whsec_mine', stripePrices: { price_a: 'pro' } });
    expect(() => readConfig({ ...local, TOOLGATE_STRIPE_PRICES: '{"price_a":"gold"}' })).toThrow(/stripePrices/);
  });

  it('deployed: the secret only from the StripeWebhookSecret link (never the dev default), prices from Settings', () => {
    const bare = readConfig(deployed, resources);
    expect(bare.stripeWebhookSecret).toBeUndefined();
    expect(bare.stripePrices).toEqual({});
    for (const stripePrices of [{ price_live: 'pro' }, JSON.stringify({ price_live: 'pro' })]) {
      const linked = readConfig(deployed, {
        ...resources,
        StripeWebhookSecret: { value: 'whsec_live' },
        Settings: { stripePrices },
      });
      expect(linked).toMatchObject({ stripeWebhookSecret: 'whsec_live', stripePrices: { price_live: 'pro' } });
    }
  });
});
