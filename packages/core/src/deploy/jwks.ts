import { JwksSchema } from '../auth/config';

/** A JWKS document as the Auth link carries it (validated again by the config schema in every function). */
export type SeedJwks = { keys: Record<string, unknown>[] };

/** Where an issuer publishes its keys: Cognito's fixed path, else the OIDC `jwksUri` or aws-jwt-verify's default. */
export function jwksUriOf(
  issuer: { kind: 'cognito'; region: string; userPoolId: string } | { kind: 'oidc'; issuer: string; jwksUri?: string },
): string {
  if (issuer.kind === 'cognito') {
    return `https://cognito-idp.${issuer.region}.amazonaws.com/${issuer.userPoolId}/.well-known/jwks.json`;
  }
  return issuer.jwksUri ?? `${issuer.issuer.replace(/\/$/, '')}/.well-known/jwks.json`;
}

export interface SeedOptions {
  fetch?: typeof fetch;
  timeoutMs?: number;
  warn?: (message: string) => void;
}

/**
 * The issuer's JWKS, fetched while a stage deploys (`infra/auth.ts` passes it with the Auth link), so that the
 * in-Lambda verifier starts with the keys cached instead of fetching them over HTTPS in every cold start. Any
 * failure (no network, an issuer not created yet, a malformed answer) only costs that optimisation: it warns and
 * returns undefined, and the verifier fetches the keys itself, as it also does for a key id it was not given.
 */
export async function fetchJwksAtDeploy(uri: string, options: SeedOptions = {}): Promise<SeedJwks | undefined> {
  const { fetch: get = fetch, timeoutMs = 5_000, warn = console.warn } = options;
  try {
    const response = await get(uri, { signal: AbortSignal.timeout(timeoutMs) });
    if (!response.ok) throw new Error(`HTTP ${response.status}`);
    const parsed = JwksSchema.safeParse(await response.json());
    if (!parsed.success) throw new Error('not a JWKS document');
    return parsed.data as SeedJwks;
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    warn(`toolgate: no JWKS seeded from ${uri} (${reason}); the functions will fetch it on their first request`);
    return undefined;
  }
}
