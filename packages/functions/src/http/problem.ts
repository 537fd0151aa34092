import { classifyAwsError } from '@toolgate/core/data/aws-errors';
import {
  GatewayTimeoutError,
  InternalError,
  isToolgateError,
  MethodNotAllowedError,
  NotFoundError,
  ServiceUnavailableError,
  type ToolgateError,
  toProblem,
} from '@toolgate/core/errors';
import type { Context, ErrorHandler, NotFoundHandler } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { AppEnv } from './types';

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

/** The RFC 9457 object of an error, its instance the request id. */
export function problemOf(c: Context<AppEnv>, error: ToolgateError) {
  return toProblem(error, c.get('requestId') ? `urn:request:${c.get('requestId')}` : undefined);
}

export function problemResponse(c: Context<AppEnv>, error: ToolgateError): Response {
  const headers = new Headers(error.headers);
  headers.set('Content-Type', PROBLEM_CONTENT_TYPE);
  headers.set('Cache-Control', 'no-store');
  return new Response(JSON.stringify(problemOf(c, error)), { status: error.status, headers });
}

/** Maps Hono's own exceptions (e.g. body-limit) onto the hierarchy so that every answer is problem+json. */
function fromHttpException(error: HTTPException): ToolgateError {
  if (error.status === 404) return new NotFoundError();
  if (error.status === 405) return new MethodNotAllowedError([]);
  return new InternalError({ cause: error });
}

/** Seconds a caller should wait after a dependency failed; the SDK already retried with backoff by then. */
const DEPENDENCY_RETRY_AFTER_SECONDS = 2;

/**
 * AWS SDK throttling, 5xx, unreachable endpoints and timeouts (after the client's bounded retries, see core's
 * `aws-client-config.ts`) are the dependency's state, not a bug: 503 or 504 with `Retry-After`, for every route,
 * here rather than in each repository.
 */
function fromDependencyFailure(error: unknown): ToolgateError | null {
  switch (classifyAwsError(error)) {
    case 'unavailable':
      return new ServiceUnavailableError(
        'A dependency is busy or unavailable; retry later.',
        DEPENDENCY_RETRY_AFTER_SECONDS,
        {
          cause: error,
        },
      );
    case 'timeout':
      return new GatewayTimeoutError(
        'A dependency did not answer in time; retry later.',
        DEPENDENCY_RETRY_AFTER_SECONDS,
        {
          cause: error,
        },
      );
    default:
      return null;
  }
}

/**
 * What led to a 5xx, for the log: each cause's name and message, never a stack or a payload. A dependency's message
 * names the endpoint and the reason (`POST http://127.0.0.1:11434/v1/chat/completions failed: ECONNREFUSED`).
 */
function causeChain(cause: unknown, depth = 3): { name: string; message: string }[] {
  const chain: { name: string; message: string }[] = [];
  for (let current = cause; current !== undefined && chain.length < depth; ) {
    if (!(current instanceof Error)) {
      chain.push({ name: typeof current, message: String(current).slice(0, 200) });
      break;
    }
    chain.push({ name: current.name, message: current.message.slice(0, 500) });
    current = current.cause;
  }
  return chain;
}

/** The one place errors become HTTP answers. Unknown errors are logged and become an opaque 500. */
export const onError: ErrorHandler<AppEnv> = (error, c) => problemResponse(c, servedError(error, c));

/**
 * The error as the client is told it, logged: a known client error as it is, anything else as the 503/504/500 it
 * stands for. `onError` answers it; a stream that has already opened sends it as its last event.
 */
export function servedError(error: unknown, c: Context<AppEnv>): ToolgateError {
  const known = isToolgateError(error)
    ? error
    : error instanceof HTTPException
      ? fromHttpException(error)
      : fromDependencyFailure(error);
  const logger = c.get('logger');
  if (known && known.status < 500) {
    logger?.info('request rejected', { requestId: c.get('requestId'), status: known.status, problem: known.slug });
    return known;
  }
  const served = known ?? new InternalError({ cause: error });
  logger?.error('request failed', {
    requestId: c.get('requestId'),
    status: served.status,
    problem: served.slug,
    error: error instanceof Error ? { name: error.name, message: error.message } : String(error),
    ...(error instanceof Error && error.cause !== undefined ? { causes: causeChain(error.cause) } : {}),
  });
  return served;
}

export const notFound: NotFoundHandler<AppEnv> = (c) => problemResponse(c, new NotFoundError());
