import type { AccessTokenVerifier } from '@toolgate/core/auth/verifier';
import type { UsersRepository } from '@toolgate/core/users/repository';
import { createLogger, createTierApp } from '../http/app';
import { mountMe } from '../routes/me';

export interface ApiDeps {
  verifier: AccessTokenVerifier;
  users: UsersRepository;
}

/** The api tier: every route needs a verified access token with the route's scope. */
export function createApiApp(deps: ApiDeps) {
  const app = createTierApp('api', { logger: createLogger('api'), verifier: deps.verifier, stripeSignature: null });
  mountMe(app, deps.users);
  return app;
}
