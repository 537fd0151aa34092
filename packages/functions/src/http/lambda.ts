import type { Hono } from 'hono';
import { handle, type LambdaEvent } from 'hono/aws-lambda';
import { routePathOf } from './route-path';
import type { AppEnv } from './types';

const BODYLESS = new Set(['GET', 'HEAD']);

export function methodOf(event: LambdaEvent): string | undefined {
  const context = event.requestContext as { http?: { method?: unknown }; httpMethod?: unknown } | undefined;
  const method = context?.http?.method ?? context?.httpMethod ?? (event as { httpMethod?: unknown }).httpMethod;
  return typeof method === 'string' ? method.toUpperCase() : undefined;
}

type Result = Awaited<ReturnType<ReturnType<typeof handle>>>;

/**
 * A `Location` the app wrote from the root (`/jobs/1`) is under the stage or mapping prefix the request came
 * through (`/prod/jobs/1`): the client resolves it against the URL it called.
 */
function underPrefix(result: Result, prefix: string): Result {
  if (prefix === '' || !result.headers) return result;
  const headers = { ...result.headers };
  for (const [name, value] of Object.entries(headers)) {
    if (name.toLowerCase() === 'location' && typeof value === 'string' && /^\/(?!\/)/.test(value)) {
      headers[name] = `${prefix}${value}`;
    }
  }
  return { ...result, headers };
}

/**
 * `handle(app)` from hono/aws-lambda, for a tier's Lambda entry point, with two corrections to the event:
 * - the route's path: behind a named stage or a custom-domain mapping, `rawPath` starts with a prefix the routes do
 *   not know (`/prod/me`); the app gets the path without it (`route-path.ts`), and a root-relative `Location` gets
 *   it back.
 * - a body sent with GET or HEAD: API Gateway forwards it, and the Fetch `Request` the adapter builds refuses one (a
 *   TypeError that the adapter answers itself with a text/plain 400, outside the app: no problem+json, no security
 *   headers, an unstructured console.error). Such a body has no defined meaning (RFC 9110, 9.3.1), so it is
 *   dropped and the request reaches the app like any other. Found by fuzzing (tests/fuzz.test.ts).
 */
export function lambdaHandler(app: Hono<AppEnv>): ReturnType<typeof handle> {
  const inner = handle(app);
  const wrapped: ReturnType<typeof handle> = async (event, context) => {
    const method = methodOf(event);
    let cleaned =
      method && BODYLESS.has(method) && event.body
        ? ({ ...event, body: null, isBase64Encoded: false } as typeof event)
        : event;
    const route = routePathOf(cleaned as Parameters<typeof routePathOf>[0]);
    if (route && route.prefix !== '') cleaned = { ...cleaned, rawPath: route.path } as typeof event;
    return underPrefix(await inner(cleaned, context), route?.prefix ?? '');
  };
  return wrapped;
}
