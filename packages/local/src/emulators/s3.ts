import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { systemClock } from '@toolgate/core/clock';
import S3rver from 's3rver';
import { LOCAL_CREDENTIALS } from '../local-env';
import { closeServer, httpUrl } from './http-server';
import { startS3PostPolicyFront } from './s3-post-front';
import { type Emulator, LOOPBACK } from './types';

export interface S3EmulatorOptions {
  /** Directory kept between runs; a temporary directory (removed on stop) when absent. */
  directory?: string;
  /** The bucket region presigned POST credentials must be scoped to. */
  region: string;
  /** The clock POST policies expire against (epoch ms); the wall clock when absent. */
  now?: () => number;
  /** Told of every request the emulator could not complete. */
  logError?: (message: string, error: unknown) => void;
}

/**
 * s3rver in-process, behind a front that enforces presigned POST policies (s3rver does not). It stores objects on
 * disk even when nothing is persisted, so the non-persistent mode gets a fresh temporary directory. Clients must
 * use path-style addressing and the access key id `S3RVER`.
 */
export async function startS3(options: S3EmulatorOptions): Promise<Emulator> {
  const temporary = options.directory === undefined;
  const directory = options.directory ?? (await mkdtemp(join(tmpdir(), 'toolgate-s3-')));
  await mkdir(directory, { recursive: true });
  const s3rver = new S3rver({ address: LOOPBACK, port: 0, silent: true, directory });
  // s3rver's own failures reach the runtime's log; the S3 errors it answers a client with (4xx) are not failures.
  s3rver.on('error', (error: Error & { status?: number }) => {
    if ((error.status ?? 500) >= 500) options.logError?.('The local S3 (s3rver) failed', error);
  });
  const { port } = await s3rver.run();
  const stopS3rver = async () => {
    if (s3rver.httpServer) await closeServer(s3rver.httpServer);
    if (temporary) await rm(directory, { recursive: true, force: true });
  };
  let front: Emulator;
  try {
    front = await startS3PostPolicyFront({
      upstream: httpUrl(LOOPBACK, port),
      region: options.region,
      secrets: new Map([[LOCAL_CREDENTIALS.accessKeyId, LOCAL_CREDENTIALS.secretAccessKey]]),
      now: options.now ?? systemClock,
      ...(options.logError ? { logError: options.logError } : {}),
    });
  } catch (error) {
    await stopS3rver();
    throw error;
  }
  return {
    endpoint: front.endpoint,
    async stop() {
      await front.stop();
      await stopS3rver();
    },
  };
}
