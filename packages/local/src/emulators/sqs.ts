import type { AddressInfo } from 'node:net';
import { createSqsServer } from 'local-aws-sqs';
import { closeServer, httpUrl } from './http-server';
import { type Emulator, LOOPBACK } from './types';

export interface SqsEmulatorOptions {
  region: string;
  accountId: string;
}

/** local-aws-sqs in-process (memory only: queues and messages do not survive a restart, even with --persist). */
export async function startSqs(options: SqsEmulatorOptions): Promise<Emulator> {
  const server = await createSqsServer({
    port: 0,
    hostname: LOOPBACK,
    region: options.region,
    accountId: options.accountId,
    // A restarted runtime recreates its queues at once; AWS's 60 s wait after a delete would only get in the way.
    emulateQueueCreationLifecycle: false,
  });
  if (!server.listening) await new Promise((resolve) => server.once('listening', resolve));
  const { port } = server.address() as AddressInfo;
  return { endpoint: httpUrl(LOOPBACK, port), stop: () => closeServer(server) };
}
