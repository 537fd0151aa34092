import { UnauthorizedError } from '../errors';

/**
 * Reading the bearer token from a request, apart from its verification (`verifier.ts`): the guard of every tier
 * reads headers, and a tier without jwt routes (public, webhook) must not load aws-jwt-verify for it.
 */

/** Tokens longer than this are rejected before parsing: no legitimate access token comes close. */
export const MAX_TOKEN_LENGTH = 8 * 1024;

/** Extracts the token from an `Authorization: Bearer <token>` header value; anything else is a 401. */
export function bearerToken(header: string | undefined | null): string {
  if (!header) throw new UnauthorizedError('Missing bearer token.');
  const match = /^Bearer ([A-Za-z0-9\-_=]+\.[A-Za-z0-9\-_=]+\.[A-Za-z0-9\-_=]*)$/.exec(header.trim());
  if (!match?.[1]) throw new UnauthorizedError('The Authorization header must be "Bearer <access token>".');
  if (match[1].length > MAX_TOKEN_LENGTH) throw new UnauthorizedError('The access token is too large.');
  return match[1];
}
