import { createAccessTokenVerifier } from '@toolgate/core/auth/verifier';
import { createCatalogRepository } from '@toolgate/core/catalog/repository';
import { createDocumentClient } from '@toolgate/core/data/dynamo';
import { config } from '@toolgate/core/runtime-config';
import { createUsersRepository } from '@toolgate/core/users/repository';

/**
 * Module-scope singletons, created once per Lambda instance during init (where CPU is boosted and the cost is
 * paid once), shared by every tier handler that imports them. Each one is cheap to construct: SDK clients open no
 * connection until first use.
 */
export { config };
export const doc = createDocumentClient({ region: config.region });
export const verifier = createAccessTokenVerifier(config.auth);
export const catalog = createCatalogRepository(doc, config.tableName);
export const users = createUsersRepository(doc, config.tableName);
