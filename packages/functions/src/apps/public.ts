import type { CatalogRepository } from '@toolgate/core/catalog/aws/repository';
import type { ClientBuckets } from '@toolgate/core/limits/client-buckets';
import { createTierApp } from '../http/app';
import { clientRateLimit } from '../http/rate-limit';
import { createTierLogger } from '../logging';
import type { TierMetrics } from '../metrics';
import { mountCatalog } from '../routes/catalog';
import { mountDocs } from '../routes/docs';
import { mountHealth } from '../routes/health';

export interface PublicDeps {
  catalog: CatalogRepository;
  /** Per-IP token buckets held in this instance's memory (no database write per public request). */
  clientBuckets: ClientBuckets;
  /** ColdStart and the per-IP 429s; none when absent (tests of other concerns). */
  metrics?: TierMetrics;
}

/** The public tier: anonymous, cacheable, cheap. It has no verifier: no route here accepts a token. */
export function createPublicApp(deps: PublicDeps) {
  const app = createTierApp('public', {
    logger: createTierLogger('public'),
    metrics: deps.metrics,
    verifier: null,
    stripeSignature: null,
  });
  app.use('*', clientRateLimit({ buckets: deps.clientBuckets, metrics: deps.metrics }));
  mountHealth(app);
  mountCatalog(app, deps.catalog);
  mountDocs(app);
  return app;
}
