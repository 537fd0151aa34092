import { createHmac } from 'node:crypto';

/**
 * Stripe's signing scheme, written out with node:crypto rather than the stripe library, so tests check the
 * verifier against the documented format (HMAC-SHA256 of `<t>.<raw body>`, hex) and not against itself.
 */
export function stripeV1(body: string, secret: string, signedPayloadTimestamp: string | number): string {
  return createHmac('sha256', secret).update(`${signedPayloadTimestamp}.${body}`, 'utf8').digest('hex');
}

/** A `Stripe-Signature` header: `t=<seconds>,v1=<hex>`, signed at `timestamp` of the verifier's clock. */
export function stripeSignatureHeader(body: string, secret: string, timestamp: number): string {
  return `t=${timestamp},v1=${stripeV1(body, secret, timestamp)}`;
}
