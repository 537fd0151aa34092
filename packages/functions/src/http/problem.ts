import {
  InternalError,
  isToolgateError,
  MethodNotAllowedError,
  NotFoundError,
  type ToolgateError,
  toProblem,
} from '@toolgate/core/errors';
import type { Context, ErrorHandler, NotFoundHandler } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { AppEnv } from './types';

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

export function problemResponse(c: Context<AppEnv>, error: ToolgateError): Response {
  const headers = new Headers(error.headers);
  headers.set('Content-Type', PROBLEM_CONTENT_TYPE);
  headers.set('Cache-Control', 'no-store');
  return new Response(
    JSON.stringify(toProblem(error, c.get('requestId') ? `urn:request:${c.get('requestId')}` : undefined)),
    {
      status: error.status,
      headers,
    },
  );
}

/** Maps Hono's own exceptions (e.g. body-limit) onto the hierarchy so that every answer is problem+json. */
function fromHttpException(error: HTTPException): ToolgateError {
  if (error.status === 404) return new NotFoundError();
  if (error.status === 405) return new MethodNotAllowedError([]);
  return new InternalError({ cause: error });
}

/** The one place errors become HTTP answers. Unknown errors are logged and become an opaque 500. */
export const onError: ErrorHandler<AppEnv> = (error, c) => {
  const known = isToolgateError(error) ? error : error instanceof HTTPException ? fromHttpException(error) : null;
  const logger = c.get('logger');
  if (known && known.status < 500) {
    logger?.info('request rejected', { status: known.status, problem: known.slug });
    return problemResponse(c, known);
  }
  const served = known ?? new InternalError({ cause: error });
  logger?.error('request failed', {
    status: served.status,
    problem: served.slug,
    error: error instanceof Error ? { name: error.name, message: error.message } : String(error),
  });
  return problemResponse(c, served);
};

export const notFound: NotFoundHandler<AppEnv> = (c) => problemResponse(c, new NotFoundError());
