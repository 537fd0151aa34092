import { createUploadService } from '@toolgate/core/uploads/service';
import { config } from './base';
import { ingestion } from './ingestion';
import { uploadStorage } from './storage';
import { uploads } from './uploads';

export const uploadService = createUploadService({
  uploads,
  storage: uploadStorage,
  ingestion,
  limits: config.uploads,
});
