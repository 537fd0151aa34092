import { createClientBuckets } from '@toolgate/core/limits/client-buckets';
import { config } from './base';

/** Per-IP buckets of the public tier: this instance's memory, never the database. */
export const clientBuckets = createClientBuckets(config.limits.public);
