import { createServer } from 'node:http';
import { createRequestHandler } from 'local-aws-sqs';
import { closeServer, httpUrl, listen } from './http-server';
import { keepReceiveCountOnVisibilityChange } from './sqs-receive-count';
import { type Emulator, LOOPBACK } from './types';

export interface SqsEmulatorOptions {
  region: string;
  accountId: string;
}

/** local-aws-sqs in-process (memory only: queues and messages do not survive a restart, even with --persist). */
export async function startSqs(options: SqsEmulatorOptions): Promise<Emulator> {
  // What createSqsServer does, with a handle on the service so that its queues can be fixed (sqs-receive-count.ts).
  const { service, requestHandler } = createRequestHandler({
    port: 0,
    hostname: LOOPBACK,
    region: options.region,
    accountId: options.accountId,
    // A restarted runtime recreates its queues at once; AWS's 60 s wait after a delete would only get in the way.
    emulateQueueCreationLifecycle: false,
  });
  const server = createServer((request, response) => {
    for (const queue of service.Queues) keepReceiveCountOnVisibilityChange(queue);
    void requestHandler(request, response);
  });
  const { port } = await listen(server, 0, LOOPBACK);
  // Queue URLs are built from it.
  service.PORT = port;
  return { endpoint: httpUrl(LOOPBACK, port), stop: () => closeServer(server) };
}
