import type { Hono } from 'hono';
import { handle, type LambdaEvent } from 'hono/aws-lambda';
import type { AppEnv } from './types';

const BODYLESS = new Set(['GET', 'HEAD']);

function methodOf(event: LambdaEvent): string | undefined {
  const context = event.requestContext as { http?: { method?: unknown }; httpMethod?: unknown } | undefined;
  const method = context?.http?.method ?? context?.httpMethod ?? (event as { httpMethod?: unknown }).httpMethod;
  return typeof method === 'string' ? method.toUpperCase() : undefined;
}

/**
 * `handle(app)` from hono/aws-lambda, for a tier's Lambda entry point. API Gateway forwards a body sent with GET or
 * HEAD, and the Fetch `Request` the adapter builds refuses one (a TypeError that the adapter answers itself with a
 * text/plain 400, outside the app: no problem+json, no security headers, an unstructured console.error). Such a
 * body has no defined meaning (RFC 9110, 9.3.1), so it is dropped and the request reaches the app like any other.
 * Found by fuzzing (tests/fuzz.test.ts).
 */
export function lambdaHandler(app: Hono<AppEnv>): ReturnType<typeof handle> {
  const inner = handle(app);
  const wrapped: ReturnType<typeof handle> = (event, context) => {
    const method = methodOf(event);
    const cleaned =
      method && BODYLESS.has(method) && event.body
        ? ({ ...event, body: null, isBase64Encoded: false } as typeof event)
        : event;
    return inner(cleaned, context);
  };
  return wrapped;
}
