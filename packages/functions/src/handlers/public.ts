import { createPublicApp } from '../apps/public';
import { config } from '../deps/base';
import { catalog } from '../deps/catalog';
import { clientBuckets } from '../deps/client-buckets';
import { requireCursorSigningKey } from '../deps/cursors';
import { lambdaHandler } from '../http/lambda';
import { createTierMetrics } from '../metrics';

/** This handler's own instance: its ColdStart counts once per tier, even where tiers share a process (locally). */
const metrics = createTierMetrics(config.stage);

requireCursorSigningKey();

export const handler = lambdaHandler(createPublicApp({ catalog, clientBuckets, metrics }));
