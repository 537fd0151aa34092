import { createSfnClient, createSfnIngestionStarter } from '@toolgate/core/workflows/starter';
import { config } from './base';

if (!config.ingestionArn) {
  // Fail the init, not the first upload: an api tier that cannot start ingestion must never look healthy.
  throw new Error('Configuration: the api tier needs the Ingestion state machine linked (Resource.Ingestion.arn)');
}

export const sfn = createSfnClient({ region: config.region });
export const ingestion = createSfnIngestionStarter(sfn, config.ingestionArn);
