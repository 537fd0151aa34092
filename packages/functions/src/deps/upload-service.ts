import { UPLOADS_SECTION } from '@toolgate/core/uploads/config';
import { createUploadService } from '@toolgate/core/uploads/service';
import { readSection } from './base';
import { ingestion } from './ingestion';
import { chatQuota } from './limits';
import { uploadStorage } from './storage';
import { uploads } from './uploads';
import { users } from './users';

export const uploadService = createUploadService({
  uploads,
  storage: uploadStorage,
  ingestion,
  limits: readSection(UPLOADS_SECTION),
  users,
  quota: chatQuota,
});
