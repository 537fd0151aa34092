import { createUploadsRepository } from '@toolgate/core/uploads/repository';
import { config, doc } from './base';

export const uploads = createUploadsRepository(doc, config.tableName);
