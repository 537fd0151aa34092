import { createUsersRepository } from '@toolgate/core/users/aws/repository';
import { config, doc } from './base';

export const users = createUsersRepository(doc, config.tableName);
