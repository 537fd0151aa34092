import { handle } from 'hono/aws-lambda';
import { createPublicApp } from '../apps/public';
import { catalog } from '../deps/catalog';
import { clientBuckets } from '../deps/client-buckets';

export const handler = handle(createPublicApp({ catalog, clientBuckets }));
