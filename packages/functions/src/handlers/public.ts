import { createPublicApp } from '../apps/public';
import { catalog } from '../deps/catalog';
import { clientBuckets } from '../deps/client-buckets';
import { lambdaHandler } from '../http/lambda';

export const handler = lambdaHandler(createPublicApp({ catalog, clientBuckets }));
