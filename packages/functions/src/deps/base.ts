import { createDocumentClient } from '@toolgate/core/data/dynamo';
import { config } from '@toolgate/core/runtime-config';

/**
 * Module-scope singletons, created once per Lambda instance during init (where CPU is boosted and the cost is
 * paid once). One small module per dependency, so that each tier's bundle only constructs what it imports.
 * SDK clients open no connection until first use.
 */
export { config };
export const doc = createDocumentClient({ region: config.region });
