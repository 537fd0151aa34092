import { createDocumentClient } from '@toolgate/core/data/dynamo';
import { config, readSection } from '@toolgate/core/process-config';

/**
 * Module-scope singletons, created once per Lambda instance. One small module per dependency, so that each tier's
 * bundle only constructs what it imports. What nearly every request needs (configuration, the DynamoDB client, the
 * verifier) is built during init; an SDK client that most requests never touch loads on its first call instead
 * (`onFirstCall`, see `deps/storage.ts`), so that no cold start parses it for nothing.
 */
export { config, readSection };
export const doc = createDocumentClient({ region: config.region });
