import { loadStripeFixture, prepareStripeDelivery, type StripeSendOptions } from '@toolgate/local/stripe-send';

/**
 * A `fetch` init for `POST /webhooks/stripe` that the webhook tier accepts: a fresh event from the local fixtures,
 * signed with the local secret exactly as Stripe signs (the same code as `pnpm stripe:send`).
 */
export async function signedStripeRequest(
  fixture: string,
  options: Omit<StripeSendOptions, 'fixture' | 'url'> = {},
): Promise<RequestInit & { signature: string; body: string }> {
  const delivery = prepareStripeDelivery(await loadStripeFixture(fixture), options);
  return {
    method: 'POST',
    headers: { 'content-type': 'application/json; charset=utf-8', 'stripe-signature': delivery.signature },
    body: delivery.body,
    signature: delivery.signature,
  };
}
