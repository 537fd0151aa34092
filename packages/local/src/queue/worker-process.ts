import { SQSClient } from '@aws-sdk/client-sqs';
import { loadWorkerHandler } from '../handlers';
import { installLocalIam, localIamEnabled } from '../iam';
import { startLocalJobs } from './settings';

/**
 * A worker in a process of its own, polling the local jobs queue of a runtime started elsewhere: run it with that
 * runtime's environment (`runtime.env`, plus any override such as a slow dev model) and `TOOLGATE_LOCAL_POLLER`
 * (JSON `LocalJobsSettings`). It exists so that a test can kill a worker for real (SIGKILL) in the middle of a job,
 * which an in-process invocation cannot show. It prints `ready` once it polls, and stops cleanly on SIGTERM.
 *
 *   node --import tsx packages/local/src/queue/worker-process.ts
 */
const env = process.env;
const queueUrl = env.TOOLGATE_JOBS_QUEUE_URL;
const endpoint = env.AWS_ENDPOINT_URL_SQS;
if (!queueUrl || !endpoint) {
  process.stderr.write('worker-process: TOOLGATE_JOBS_QUEUE_URL and AWS_ENDPOINT_URL_SQS are required\n');
  process.exit(2);
}
const region = env.AWS_REGION ?? 'us-east-1';
const accountId = new URL(queueUrl).pathname.split('/').filter(Boolean)[0] ?? '000000000000';
// The same check as in the runtime's own process (the runtime passes its TOOLGATE_LOCAL_IAM in the environment).
const iam = localIamEnabled(env)
  ? installLocalIam({
      stage: env.TOOLGATE_STAGE ?? 'local',
      region,
      accountId,
      tableName: env.TOOLGATE_TABLE_NAME ?? '',
      bucketName: env.TOOLGATE_BUCKET_NAME ?? '',
      jobsQueueUrl: queueUrl,
      ingestionArn: env.TOOLGATE_INGESTION_ARN ?? '',
    })
  : undefined;
const sqs = new SQSClient({ region, endpoint });
if (iam) sqs.middlewareStack.use(iam.pluginFor('worker'));
const worker = await loadWorkerHandler();
const poller = await startLocalJobs({
  sqs,
  queueUrl,
  handler: iam ? iam.asTier('worker', worker) : worker,
  region,
  accountId,
  settings: env.TOOLGATE_LOCAL_POLLER ? JSON.parse(env.TOOLGATE_LOCAL_POLLER) : {},
});
process.stdout.write('ready\n');
process.once('SIGTERM', () => {
  void poller.stop().finally(() => {
    sqs.destroy();
    process.exit(0);
  });
});
