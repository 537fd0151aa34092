import { UnauthorizedError } from '../errors';
import { MAX_TOKEN_LENGTH, tokenFromAuthorization } from './token-rules';

/**
 * Reading the bearer token from a request, apart from its verification (`verifier.ts`): the guard of every tier
 * reads headers, and a tier without jwt routes (public, webhook) must not load aws-jwt-verify for it.
 */

export { MAX_TOKEN_LENGTH };

/**
 * The token of an `Authorization` header, read as API Gateway's JWT authorizer reads it (`Bearer <token>` or the
 * token alone; see `token-rules.ts`); anything else is a 401.
 */
export function bearerToken(header: string | undefined | null): string {
  const source = tokenFromAuthorization(header);
  if (!source.ok) throw new UnauthorizedError(source.description);
  return source.token;
}
