import { createCatalogRepository } from '@toolgate/core/catalog/repository';
import { config, doc } from './base';

export const catalog = createCatalogRepository(doc, config.tableName);
