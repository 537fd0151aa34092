import type { CatalogRepository } from '@toolgate/core/catalog/repository';
import { createLogger, createTierApp } from '../http/app';
import { mountCatalog } from '../routes/catalog';
import { mountHealth } from '../routes/health';

export interface PublicDeps {
  catalog: CatalogRepository;
}

/** The public tier: anonymous, cacheable, cheap. It has no verifier: no route here accepts a token. */
export function createPublicApp(deps: PublicDeps) {
  const app = createTierApp('public', { logger: createLogger('public'), verifier: null, stripeSignature: null });
  mountHealth(app);
  mountCatalog(app, deps.catalog);
  return app;
}
