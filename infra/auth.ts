import { cognitoEmailConfiguration } from '../packages/core/src/deploy/email';
import { fetchJwksAtDeploy, jwksUriOf } from '../packages/core/src/deploy/jwks';
import { RESOURCE_SERVER, SCOPE_DESCRIPTIONS, SCOPE_NAMES } from '../packages/core/src/scopes';
import { accountId, partition, region, settings } from './stage';

/**
 * Identity: one issuer feeds both the gateway's JWT authorizer and the in-Lambda verifier (the `Auth` link, read
 * by packages/core/src/config.ts). By default a Cognito user pool; a stage can name any OIDC issuer instead.
 */
export interface Identity {
  /** The gateway JWT authorizer: `iss` must equal `issuer`, and `aud` (or Cognito's `client_id`) be in `audiences`. */
  issuer: $util.Output<string>;
  audiences: $util.Output<string[]>;
  authLink: sst.Linkable<Record<string, unknown>>;
  /** Stack outputs for people deploying: pool, clients, login domain. */
  outputs: Record<string, $util.Input<string>>;
}

function cognito(identity: Extract<typeof settings.identity, { kind: 'cognito' }>): Identity {
  // Prefixes are global across AWS; the account id keeps two forks' `dev` stages apart.
  const prefix =
    identity.domainPrefix ??
    $interpolate`toolgate-${$app.stage.toLowerCase().replace(/[^a-z0-9-]/g, '-')}-${accountId}`;

  const email = identity.email;
  const pool = new sst.aws.CognitoUserPool(
    'Users',
    {
      usernames: ['email'],
      domain: { prefix },
      transform: {
        userPool: (args) => {
          // Managed login (the v2 hosted pages) needs the Essentials tier or above.
          args.userPoolTier = 'ESSENTIALS';
          // The users are data: kept (and undeletable) whenever the stage retains data, whatever `protect` says.
          args.deletionProtection = settings.retain ? 'ACTIVE' : 'INACTIVE';
          // Sign-up codes and password resets through SES: Cognito's own sender allows only a few emails a day.
          if (email) {
            args.emailConfiguration = $resolve([partition, region, accountId]).apply(
              ([arnPartition, poolRegion, account]) =>
                cognitoEmailConfiguration(email, { partition: arnPartition, region: poolRegion, accountId: account }),
            );
          }
        },
        domain: (args) => {
          args.managedLoginVersion = 2;
        },
      },
    },
    // Kept, with its domain, when the stage is removed (SST's `removal: 'retain'` covers tables and buckets only).
    { retainOnDelete: settings.retain },
  );

  // Custom scopes only exist through a resource server, and only OAuth flows can issue them: tokens from plain
  // username/password sign-in carry no `toolgate/*` scope, so they can call nothing.
  const resourceServer = new aws.cognito.ResourceServer('ToolgateResourceServer', {
    userPoolId: pool.id,
    identifier: RESOURCE_SERVER,
    name: RESOURCE_SERVER,
    scopes: SCOPE_NAMES.map((name) => ({ scopeName: name, scopeDescription: SCOPE_DESCRIPTIONS[name] })),
  });

  // People: authorization code + PKCE through managed login. A public client (no secret): a browser or a native
  // app cannot keep one, PKCE protects the code instead.
  const people = new aws.cognito.UserPoolClient('PeopleClient', {
    name: 'people',
    userPoolId: pool.id,
    generateSecret: false,
    allowedOauthFlowsUserPoolClient: true,
    allowedOauthFlows: ['code'],
    allowedOauthScopes: resourceServer.scopeIdentifiers.apply((scopes) => ['openid', 'email', ...scopes]),
    callbackUrls: identity.callbackUrls,
    logoutUrls: identity.logoutUrls,
    supportedIdentityProviders: ['COGNITO'],
    explicitAuthFlows: ['ALLOW_REFRESH_TOKEN_AUTH'],
    preventUserExistenceErrors: 'ENABLED',
    enableTokenRevocation: true,
    accessTokenValidity: 60,
    idTokenValidity: 60,
    refreshTokenValidity: 30,
    tokenValidityUnits: { accessToken: 'minutes', idToken: 'minutes', refreshToken: 'days' },
  });
  // Managed login shows an error page for a client without a branding style; Cognito's default style will do.
  new aws.cognito.ManagedLoginBranding('PeopleLoginBranding', {
    userPoolId: pool.id,
    clientId: people.id,
    useCognitoProvidedValues: true,
  });

  // Agents: machine-to-machine, client credentials. The token's `sub` is the client id, so each agent you add as
  // its own client is its own user (and must be added to the audiences below).
  const agents = new aws.cognito.UserPoolClient('AgentsClient', {
    name: 'agents',
    userPoolId: pool.id,
    generateSecret: true,
    allowedOauthFlowsUserPoolClient: true,
    allowedOauthFlows: ['client_credentials'],
    allowedOauthScopes: resourceServer.scopeIdentifiers,
    supportedIdentityProviders: ['COGNITO'],
    explicitAuthFlows: ['ALLOW_REFRESH_TOKEN_AUTH'],
    accessTokenValidity: 60,
    tokenValidityUnits: { accessToken: 'minutes' },
  });

  const clientIds = $output([people.id, agents.id]);
  return {
    issuer: $interpolate`https://cognito-idp.${region}.amazonaws.com/${pool.id}`,
    // Cognito access tokens have no `aud`; API Gateway then checks `client_id` against this list.
    audiences: clientIds,
    authLink: new sst.Linkable('Auth', {
      properties: {
        kind: 'cognito',
        userPoolId: pool.id,
        clientIds,
        // The pool's keys, fetched as the stage deploys: no cold start fetches them (see core/deploy/jwks.ts).
        jwks: $resolve([region, pool.id]).apply(([poolRegion, userPoolId]) =>
          fetchJwksAtDeploy(jwksUriOf({ kind: 'cognito', region: poolRegion, userPoolId })),
        ),
      },
    }),
    outputs: {
      userPoolId: pool.id,
      loginDomain: $interpolate`https://${prefix}.auth.${region}.amazoncognito.com`,
      peopleClientId: people.id,
      agentsClientId: agents.id,
    },
  };
}

function oidc(identity: Extract<typeof settings.identity, { kind: 'oidc' }>): Identity {
  const properties = {
    kind: 'oidc',
    issuer: identity.issuer,
    audience: identity.audience,
    ...(identity.jwksUri ? { jwksUri: identity.jwksUri } : {}),
    // The issuer's keys, fetched as the stage deploys: no cold start fetches them (see core/deploy/jwks.ts).
    jwks: $output(fetchJwksAtDeploy(jwksUriOf({ kind: 'oidc', issuer: identity.issuer, jwksUri: identity.jwksUri }))),
  };
  return {
    issuer: $output(identity.issuer),
    audiences: $output(identity.audience),
    authLink: new sst.Linkable('Auth', { properties }),
    outputs: { issuer: identity.issuer },
  };
}

export const identity = settings.identity.kind === 'cognito' ? cognito(settings.identity) : oidc(settings.identity);
