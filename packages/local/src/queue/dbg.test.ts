import { SendMessageCommand, SQSClient, GetQueueAttributesCommand } from '@aws-sdk/client-sqs';
import { it } from 'vitest';
import { startSqs } from '../emulators/sqs';
import { LOCAL_CREDENTIALS } from '../local-env';
import { ensureQueues } from '../resources/provision';
import { sleep } from '../testing/fixtures';
import { localQueues } from '../testing/queues';
import { startJobsPoller } from './poller';
it('dbg', async () => {
  const em = await startSqs({ region: 'us-east-1', accountId: '000000000000' });
  const sqs = new SQSClient({ region: 'us-east-1', endpoint: em.endpoint, credentials: LOCAL_CREDENTIALS });
  const urls = await ensureQueues(sqs, 'dbg', { visibilityTimeoutSeconds: 1 });
  console.log((await sqs.send(new GetQueueAttributesCommand({ QueueUrl: urls.jobs, AttributeNames: ['All'] }))).Attributes);
  const p = await startJobsPoller({ sqs, queueUrl: urls.jobs, region: 'us-east-1', accountId: '000000000000', waitTimeSeconds: 0, pollIntervalMs: 20, batchWindowMs: 50, timeoutMs: 1000,
    handler: async (e) => { console.log('call', Date.now() % 100000, e.Records.map(r => r.attributes.ApproximateReceiveCount)); return { batchItemFailures: e.Records.map(r => ({ itemIdentifier: r.messageId })) }; } });
  await sqs.send(new SendMessageCommand({ QueueUrl: urls.jobs, MessageBody: 'poison' }));
  const q = localQueues({ endpoint: em.endpoint, region: 'us-east-1', queueUrls: urls });
  for (let i = 0; i < 20; i++) { await sleep(500); console.log(i, await q.depth('jobs'), await q.depth('jobsDlq'), p.stats()); }
  await p.stop(); q.close(); sqs.destroy(); await em.stop();
}, 30000);
