import { createPublicApp } from '../apps/public';
import { catalog } from '../deps/catalog';
import { clientBuckets } from '../deps/client-buckets';
import { requireCursorSigningKey } from '../deps/cursors';
import { metrics } from '../deps/metrics';
import { lambdaHandler } from '../http/lambda';

requireCursorSigningKey();

export const handler = lambdaHandler(createPublicApp({ catalog, clientBuckets, metrics }));
