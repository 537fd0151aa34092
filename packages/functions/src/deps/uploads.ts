import { createUploadsRepository } from '@toolgate/core/uploads/aws/repository';
import { config, doc } from './base';
import { cursors } from './cursors';

export const uploads = createUploadsRepository(doc, config.tableName, cursors);
