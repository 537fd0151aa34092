import { createIngestionSteps } from '@toolgate/core/uploads/ingestion-steps';
import { config } from './base';
import { modelProvider } from './model';
import { uploadStorage } from './storage';
import { uploads } from './uploads';

export const ingestionSteps = createIngestionSteps({
  uploads,
  storage: uploadStorage,
  model: modelProvider,
  limits: config.uploads,
});
