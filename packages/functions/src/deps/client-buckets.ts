import { createClientBuckets } from '@toolgate/core/limits/client-buckets';
import { LIMITS_SECTION } from '@toolgate/core/limits/plans';
import { readSection } from './base';

/** Per-IP buckets of the public tier: this instance's memory, never the database. */
export const clientBuckets = createClientBuckets(readSection(LIMITS_SECTION).public);
