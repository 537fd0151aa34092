import { type Clock, systemClock } from '@toolgate/core/clock';
import { BadRequestError, InvalidSignatureError } from '@toolgate/core/errors';
import Stripe from 'stripe';
import type { SignatureVerifier } from '../http/guard';

export interface StripeSignatureOptions {
  /** The endpoint's signing secret, `whsec_...`. */
  secret: string;
  /** Oldest accepted signature timestamp, in seconds. Stripe's default (and toolgate's) is 300. */
  toleranceSeconds: number;
  /** The signature's age is judged by this clock, not the library's own read of the wall clock. */
  clock?: Clock;
}

/** Far above any real `t=…,v1=…,v0=…` header (a few signatures during a secret rotation). */
const MAX_HEADER_LENGTH = 2048;

/**
 * The stripe library's parser is lenient where a strict one costs nothing: `t=12abc` reads as 12, `t=abc` as
 * NaN (which then passes the age check), and an empty `v1=` makes it throw a plain Error (a 500, not a 400).
 * Headers Stripe never sends are refused here, before any HMAC is computed.
 */
function isWellFormed(header: string): boolean {
  if (header.length > MAX_HEADER_LENGTH) return false;
  let timestamps = 0;
  let signatures = 0;
  for (const part of header.split(',')) {
    const [key, value, ...rest] = part.split('=');
    if (rest.length > 0) return false;
    if (key === 't') {
      timestamps += 1;
      if (!/^\d{1,12}$/.test(value ?? '')) return false;
    } else if (key === 'v1') {
      signatures += 1;
      if (!/^[0-9a-f]{64}$/.test(value ?? '')) return false;
    }
  }
  return timestamps === 1 && signatures > 0;
}

/**
 * Verifies `Stripe-Signature` over the raw body with the stripe library (HMAC-SHA256 over `t.body`, any `v1`
 * may match — that is how secret rotation works — and `t` no older than the tolerance), then parses the body.
 * Every verification failure is the same 400 `invalid-signature` problem; a body that verifies but is not JSON
 * is a 400 `bad-request`. Neither the body nor the header ever reaches an error or a log.
 */
export function createStripeSignatureVerifier(options: StripeSignatureOptions): SignatureVerifier {
  const { secret, toleranceSeconds, clock = systemClock } = options;
  if (typeof secret !== 'string' || !/^whsec_\S+$/.test(secret)) {
    throw new Error('stripe signature: the webhook secret must be a whsec_... value without whitespace');
  }
  if (!Number.isInteger(toleranceSeconds) || toleranceSeconds <= 0) {
    // 0 would switch the library's age check off entirely.
    throw new Error('stripe signature: toleranceSeconds must be a positive integer');
  }

  return {
    async verify(rawBody, header) {
      if (!header || !isWellFormed(header)) throw new InvalidSignatureError();
      try {
        return await Stripe.webhooks.constructEventAsync(rawBody, header, secret, toleranceSeconds, undefined, clock());
      } catch (error) {
        // No `cause`: the library's error carries the payload and the header.
        if (error instanceof Stripe.errors.StripeSignatureVerificationError) throw new InvalidSignatureError();
        if (error instanceof SyntaxError) throw new BadRequestError('The webhook body is not valid JSON.');
        throw error;
      }
    },
  };
}

/** A `Stripe-Signature` header for `payload`, as Stripe would send it (for `pnpm stripe:send` and tests). */
export function stripeTestSignature(payload: string, secret: string, timestamp: number): string {
  return Stripe.webhooks.generateTestHeaderString({ payload, secret, timestamp });
}
