import type { CatalogRepository } from '@toolgate/core/catalog/aws/repository';
import type { ClientBuckets } from '@toolgate/core/limits/client-buckets';
import { createLogger, createTierApp } from '../http/app';
import { clientRateLimit } from '../http/rate-limit';
import { mountCatalog } from '../routes/catalog';
import { mountDocs } from '../routes/docs';
import { mountHealth } from '../routes/health';

export interface PublicDeps {
  catalog: CatalogRepository;
  /** Per-IP token buckets held in this instance's memory (no database write per public request). */
  clientBuckets: ClientBuckets;
}

/** The public tier: anonymous, cacheable, cheap. It has no verifier: no route here accepts a token. */
export function createPublicApp(deps: PublicDeps) {
  const app = createTierApp('public', { logger: createLogger('public'), verifier: null, stripeSignature: null });
  app.use('*', clientRateLimit({ buckets: deps.clientBuckets }));
  mountHealth(app);
  mountCatalog(app, deps.catalog);
  mountDocs(app);
  return app;
}
