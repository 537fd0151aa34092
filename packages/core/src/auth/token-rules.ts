/**
 * The rules a bearer token must pass besides its signature and issuer, in one place: the local API Gateway's JWT
 * authorizer (`packages/local`, on jose) and every tier's in-Lambda verifier (`verifier.ts`, on aws-jwt-verify)
 * both apply them, so the two reach one verdict on every token (tests/auth.test.ts runs one table through both).
 * The two libraries disagree on exactly these points: jose requires nothing and honours a `crit` it knows (`b64`),
 * aws-jwt-verify checks `exp`/`nbf` only when present, never `iat`, ignores `crit`, and reads scopes from `scope`.
 *
 * Which rules are API Gateway's and which are toolgate's own is written down in docs/fidelity.md ("JWT authorizer
 * and in-Lambda verification: one verdict"). No import here: the local gateway loads this without the verifier.
 */

/**
 * An `iat` up to this far ahead of our clock is an issuer whose clock runs a little ahead, not a forged token: `iat`
 * has whole seconds, so a token minted in the same second as the check can already look "issued in the future" to
 * a clock a few milliseconds behind. API Gateway documents no leeway ("iat must be before the current time"); the
 * skew is kept to a few seconds so that the local gateway is lenient for no longer than that, and the in-Lambda
 * check uses the same value, so the two agree.
 */
export const IAT_CLOCK_SKEW_SECONDS = 5;

/** Tokens longer than this are refused before parsing: no legitimate access token comes close (toolgate's rule). */
export const MAX_TOKEN_LENGTH = 8 * 1024;

/** A compact JWS: three base64url segments, the signature possibly empty (`alg: none`, refused later). */
const COMPACT_JWT = /^[A-Za-z0-9\-_=]+\.[A-Za-z0-9\-_=]+\.[A-Za-z0-9\-_=]*$/;

export type TokenSource =
  | { ok: true; token: string }
  | { ok: false; reason: 'missing' | 'malformed' | 'too-large'; description: string };

/**
 * The token in an `Authorization` header as API Gateway's JWT authorizer reads its identity source: "the token
 * alone, or the token prefixed with `Bearer `". A bare token is therefore accepted, and API Gateway passes the
 * header through to the Lambda unchanged, so the Lambda must accept it too or the two verdicts differ.
 */
export function tokenFromAuthorization(header: string | undefined | null): TokenSource {
  if (header === undefined || header === null || header.trim() === '') {
    return { ok: false, reason: 'missing', description: 'Missing bearer token.' };
  }
  const value = header.trim();
  const token = value.startsWith('Bearer ') ? value.slice('Bearer '.length) : value;
  if (token.length > MAX_TOKEN_LENGTH) {
    return { ok: false, reason: 'too-large', description: 'The access token is too large.' };
  }
  if (!COMPACT_JWT.test(token)) {
    return {
      ok: false,
      reason: 'malformed',
      description: 'The Authorization header must be "Bearer <access token>" or the access token alone.',
    };
  }
  return { ok: true, token };
}

/**
 * The token's scopes as API Gateway reads them: from `scope` or `scp`, each either a space-separated string (OAuth's
 * `scope`; Entra ID's `scp`) or a list of strings (Okta's `scp`). With both claims present, `scope` is read: AWS
 * documents "scope or scp" and no precedence.
 */
export function tokenScopes(payload: Record<string, unknown>): string[] {
  const claim = payload.scope !== undefined ? payload.scope : payload.scp;
  if (typeof claim === 'string') return claim.split(' ').filter(Boolean);
  if (Array.isArray(claim)) return claim.filter((value): value is string => typeof value === 'string' && value !== '');
  return [];
}

/**
 * API Gateway's audience rule: `aud` when the token has one (some value must be a configured audience), else
 * `client_id`. A token naming another API in `aud` is refused even with a valid `client_id` next to it.
 */
export function audienceMatches(payload: Record<string, unknown>, audiences: readonly string[]): boolean {
  const { aud, client_id: clientId } = payload;
  if (aud !== undefined) {
    const values = Array.isArray(aud) ? aud : [aud];
    return values.some((value) => typeof value === 'string' && audiences.includes(value));
  }
  return typeof clientId === 'string' && audiences.includes(clientId);
}

const isNumericDate = (value: unknown): value is number => typeof value === 'number' && Number.isFinite(value);

export interface ClaimCheck {
  /** The configured audiences (Cognito app client ids, or an OIDC API's audiences). */
  audiences: readonly string[];
  /** Epoch milliseconds. */
  now: number;
}

/**
 * Every rule the two libraries do not both enforce, after each verified the signature and the issuer. Returns why
 * the token is refused, in the words API Gateway puts in `www-authenticate`, or null when it passes.
 */
export function claimsProblem(
  header: Record<string, unknown>,
  payload: Record<string, unknown>,
  { audiences, now }: ClaimCheck,
): string | null {
  const nowSeconds = Math.floor(now / 1000);
  // RFC 7515 4.1.11: a recipient must refuse extensions it does not understand. toolgate understands none, and
  // jose would honour `b64` while aws-jwt-verify ignores `crit` altogether.
  if (header.crit !== undefined) return 'the token has critical header parameters';
  if (typeof header.kid !== 'string' || header.kid === '') return 'the token has no key id';
  if (!isNumericDate(payload.exp)) return 'the token has no valid expiry';
  if (payload.exp <= nowSeconds) return 'the token has expired';
  if (payload.nbf !== undefined && (!isNumericDate(payload.nbf) || payload.nbf > nowSeconds)) {
    return 'the token is not valid yet';
  }
  if (payload.iat !== undefined && (!isNumericDate(payload.iat) || payload.iat > nowSeconds + IAT_CLOCK_SKEW_SECONDS)) {
    return 'the token was issued in the future';
  }
  if (!audienceMatches(payload, audiences)) return 'the token does not have a valid audience';
  return null;
}
