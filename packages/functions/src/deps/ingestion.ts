import { loadOnce, onFirstCall } from '@toolgate/core/data/on-first-call';
import type { IngestionStarter } from '@toolgate/core/workflows/aws/starter';
import { config } from './base';

if (!config.ingestionArn) {
  // Fail the init, not the first upload: an api tier that cannot start ingestion must never look healthy.
  throw new Error('Configuration: the api tier needs the Ingestion state machine linked (Resource.Ingestion.arn)');
}
const stateMachineArn = config.ingestionArn;

/** The Step Functions client, loaded on first use: only a confirmed upload starts a workflow. */
export const sfnClient = loadOnce(async () => {
  const { createSfnClient } = await import('@toolgate/core/workflows/aws/starter');
  return createSfnClient({ region: config.region });
});

export const ingestion = onFirstCall<IngestionStarter>(async () => {
  const [{ createSfnIngestionStarter }, sfn] = await Promise.all([
    import('@toolgate/core/workflows/aws/starter'),
    sfnClient(),
  ]);
  return createSfnIngestionStarter(sfn, stateMachineArn);
}, {});
