import { createCatalogRepository } from '@toolgate/core/catalog/aws/repository';
import { config, doc } from './base';
import { cursors } from './cursors';

export const catalog = createCatalogRepository(doc, config.tableName, cursors);
