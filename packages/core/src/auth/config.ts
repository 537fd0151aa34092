import { configSection } from '../config-reader';
import * as z from '../zod';

/**
 * The issuer's public keys (a JWKS document), when the deploy fetched them (`infra/auth.ts`): the verifier starts
 * with them cached, so that a cold start makes no round trip to the issuer. Optional: without them, or for a key id
 * they lack (after a rotation), aws-jwt-verify fetches the JWKS itself.
 */
export const JwksSchema = z.object({
  keys: z
    .array(z.looseObject({ kty: z.string().check(z.minLength(1)), kid: z.optional(z.string().check(z.minLength(1))) }))
    .check(z.minLength(1)),
});

export const AuthConfigSchema = z.discriminatedUnion('kind', [
  /** Cognito user pool: access tokens carry `client_id` (not `aud`) and `token_use: access`. */
  z.object({
    kind: z.literal('cognito'),
    userPoolId: z.string().check(z.regex(/^[\w-]+_[0-9a-zA-Z]+$/)),
    clientIds: z.array(z.string().check(z.minLength(1))).check(z.minLength(1)),
    jwks: z.optional(JwksSchema),
  }),
  /** Any OIDC issuer whose access tokens are RS256 JWTs with an `aud` claim. */
  z.object({
    kind: z.literal('oidc'),
    issuer: z.url({ protocol: /^https$/ }),
    audience: z.array(z.string().check(z.minLength(1))).check(z.minLength(1)),
    jwksUri: z.optional(z.url({ protocol: /^https$/ })),
    jwks: z.optional(JwksSchema),
  }),
  /** The local dev issuer: Cognito-shaped tokens, JWKS served over loopback http. */
  z.object({
    kind: z.literal('local'),
    issuer: z.string().check(z.minLength(1)),
    clientIds: z.array(z.string().check(z.minLength(1))).check(z.minLength(1)),
    jwksUri: z.url(),
    jwks: z.optional(JwksSchema),
  }),
]);
export type AuthConfig = z.infer<typeof AuthConfigSchema>;

/** The `auth` section: the api tier's verifier reads it (`functions/src/deps/auth.ts`). */
export const AUTH_SECTION = configSection('auth', AuthConfigSchema);
