import { UPLOADS_SECTION } from '@toolgate/core/uploads/config';
import { createIngestionSteps } from '@toolgate/core/workflows/ingestion-steps';
import { readSection } from './base';
import { chatQuota } from './limits';
import { metrics } from './metrics';
import { modelProvider } from './model';
import { uploadStorage } from './storage';
import { uploads } from './uploads';
import { users } from './users';

export const ingestionSteps = createIngestionSteps({
  uploads,
  storage: uploadStorage,
  model: modelProvider,
  limits: readSection(UPLOADS_SECTION),
  users,
  quota: chatQuota,
  metrics,
});
