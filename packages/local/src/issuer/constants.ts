/**
 * The dev issuer's identity. The issuer is only a claim value (tokens are never fetched from it); the JWKS is
 * served on loopback and handed to verifiers through the local auth config.
 */
export const DEV_ISSUER = 'https://toolgate.local/issuer';

export const DEV_CLIENTS = {
  agent: 'toolgate-local-agent',
  web: 'toolgate-local-web',
} as const;
export type DevClient = keyof typeof DEV_CLIENTS;

export const DEV_CLIENT_IDS: readonly string[] = Object.values(DEV_CLIENTS);

export const DEFAULT_TOKEN_LIFETIME_SECONDS = 3600;
