import { randomBytes } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { isAbsolute, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { type Clock, epochSeconds, systemClock } from '@toolgate/core/clock';
import { LOCAL_STRIPE_WEBHOOK_SECRET } from '@toolgate/core/config-reader';
import { routes } from '@toolgate/core/manifest';
import { stripeTestSignature } from '@toolgate/functions/billing/stripe-signature';
import { findDevRuntime } from './dev-state';
import { localStateDir } from './paths';

/**
 * `pnpm stripe:send <fixture>`: the local `stripe trigger`. Signs a fixture event with the webhook secret, as
 * Stripe does, and POSTs it to the running local API, so the whole webhook path (gateway, signature, ledger,
 * plan rules) runs with no Stripe account and no network.
 */

export const STRIPE_FIXTURES_DIR = fileURLToPath(new URL('../fixtures/stripe/', import.meta.url));

export type StripeFixtureEvent = Record<string, unknown> & {
  id: string;
  type: string;
  data: { object: Record<string, unknown> };
};

export interface StripeSendOptions {
  /** A fixture name (`customer.subscription.updated`) or the path of a JSON event file. */
  fixture: string;
  /** Base URL of the local API (the CLI finds the running `pnpm dev` when `--url` is not given). */
  url: string;
  secret?: string;
  /** Sets a checkout session's `client_reference_id`: the user the customer is linked to. */
  sub?: string;
  /** Sets the object's `customer`. */
  customer?: string;
  /** Send the fixture's own id and `created` (a redelivery of the same event) instead of a fresh event. */
  replay?: boolean;
  /** The event's `created` (epoch seconds); defaults to now for a fresh event. */
  created?: number;
  /** Signature timestamp (epoch seconds); defaults to now. */
  signedAt?: number;
  /** The clock `created` and the signature's time come from (the receiving runtime's: the system clock). */
  clock?: Clock;
}

export interface StripeDelivery {
  event: StripeFixtureEvent;
  /** Exactly the bytes that were signed. */
  body: string;
  signature: string;
}

export interface StripeSendResult {
  eventId: string;
  eventType: string;
  status: number;
  response: unknown;
}

export async function listStripeFixtures(): Promise<string[]> {
  const files = await readdir(STRIPE_FIXTURES_DIR);
  return files
    .filter((file) => file.endsWith('.json'))
    .map((file) => file.slice(0, -'.json'.length))
    .sort();
}

function fixturePath(fixture: string): string {
  if (fixture.endsWith('.json') || fixture.includes('/')) return isAbsolute(fixture) ? fixture : resolve(fixture);
  return join(STRIPE_FIXTURES_DIR, `${fixture}.json`);
}

export async function loadStripeFixture(fixture: string): Promise<StripeFixtureEvent> {
  const path = fixturePath(fixture);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new Error(
      `No Stripe fixture ${fixture} (looked for ${path}); known: ${(await listStripeFixtures()).join(', ')}`,
      {
        cause: error,
      },
    );
  }
  const event = JSON.parse(text) as Partial<StripeFixtureEvent>;
  if (typeof event.id !== 'string' || typeof event.type !== 'string' || typeof event.data?.object !== 'object') {
    throw new Error(`${path} is not a Stripe event (id, type, data.object)`);
  }
  return event as StripeFixtureEvent;
}

/** A fresh, unique event id, as `stripe trigger` would produce. */
export const freshEventId = () => `evt_local_${randomBytes(12).toString('hex')}`;

/** The event to send and its signature: Stripe signs `t.<raw body>` with HMAC-SHA256, and so do we. */
export function prepareStripeDelivery(
  fixture: StripeFixtureEvent,
  options: Omit<StripeSendOptions, 'fixture' | 'url'> = {},
): StripeDelivery {
  const object = { ...fixture.data.object };
  if (options.customer !== undefined) object.customer = options.customer;
  if (options.sub !== undefined) object.client_reference_id = options.sub;
  const fresh = !options.replay;
  const nowSeconds = epochSeconds((options.clock ?? systemClock)());
  const event: StripeFixtureEvent = {
    ...fixture,
    ...(fresh ? { id: freshEventId(), created: nowSeconds } : {}),
    ...(options.created !== undefined ? { created: options.created } : {}),
    data: { ...fixture.data, object },
  };
  // Stripe delivers pretty-printed JSON; any bytes work as long as the same bytes are signed and sent.
  const body = JSON.stringify(event, null, 2);
  const signature = stripeTestSignature(
    body,
    options.secret ?? LOCAL_STRIPE_WEBHOOK_SECRET,
    options.signedAt ?? nowSeconds,
  );
  return { event, body, signature };
}

export async function sendStripeEvent(options: StripeSendOptions): Promise<StripeSendResult> {
  const delivery = prepareStripeDelivery(await loadStripeFixture(options.fixture), options);
  const url = `${options.url.replace(/\/+$/, '')}${routes.stripeWebhook.path}`;
  let response: Response;
  try {
    response = await fetch(url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json; charset=utf-8',
        'stripe-signature': delivery.signature,
        'user-agent': 'Stripe/1.0 (+https://stripe.com/docs/webhooks)',
      },
      body: delivery.body,
    });
  } catch (error) {
    throw new Error(`Could not reach ${url}: is the local API running (pnpm dev)?`, { cause: error });
  }
  const text = await response.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    // Not JSON: show it as it came.
  }
  return { eventId: delivery.event.id, eventType: delivery.event.type, status: response.status, response: parsed };
}

const USAGE = `Usage: pnpm stripe:send <fixture | file.json> [options]

Signs a Stripe event fixture with the webhook secret and POSTs it to the local API's ${routes.stripeWebhook.path}.
Each send is a new event (fresh id, created = now) unless --replay is given.

Options:
  --url <base>        local API base URL (default: the running pnpm dev's)
  --port <n>          the running pnpm dev on this port, when several run
  --secret <whsec_>   signing secret (default: the local dev secret, ${LOCAL_STRIPE_WEBHOOK_SECRET})
  --sub <sub>         checkout.session.completed: the user to link the customer to (client_reference_id)
  --customer <cus_>   the Stripe customer id on the event's object
  --created <epoch>   the event's created time, in seconds (to try out-of-order delivery)
  --replay            send the fixture's own id and created: a redelivery of the same event
`;

export async function main(argv: readonly string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: [...argv],
    allowPositionals: true,
    options: {
      url: { type: 'string' },
      secret: { type: 'string' },
      sub: { type: 'string' },
      customer: { type: 'string' },
      created: { type: 'string' },
      replay: { type: 'boolean' },
      port: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  const fixture = positionals[0];
  if (values.help || !fixture || positionals.length > 1) {
    process.stdout.write(`${USAGE}\nFixtures: ${(await listStripeFixtures()).join(', ')}\n`);
    return values.help ? 0 : 2;
  }
  const created = values.created === undefined ? undefined : Number(values.created);
  if (created !== undefined && !Number.isInteger(created)) throw new Error('--created must be epoch seconds');

  const port = values.port === undefined ? undefined : Number(values.port);
  if (port !== undefined && !(Number.isInteger(port) && port > 0 && port < 65536)) {
    throw new Error('--port must be a port number');
  }
  const url = values.url ?? (await findDevRuntime(localStateDir(), port)).url;
  const result = await sendStripeEvent({
    fixture,
    url,
    ...(values.secret !== undefined ? { secret: values.secret } : {}),
    ...(values.sub !== undefined ? { sub: values.sub } : {}),
    ...(values.customer !== undefined ? { customer: values.customer } : {}),
    ...(created !== undefined ? { created } : {}),
    ...(values.replay ? { replay: true } : {}),
  });
  process.stdout.write(
    `${result.eventType} ${result.eventId} → ${result.status}\n${JSON.stringify(result.response, null, 2)}\n`,
  );
  return result.status >= 200 && result.status < 300 ? 0 : 1;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
      process.exitCode = 1;
    },
  );
}
