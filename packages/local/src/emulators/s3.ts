import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import S3rver from 's3rver';
import { closeServer, httpUrl } from './http-server';
import { type Emulator, LOOPBACK } from './types';

export interface S3EmulatorOptions {
  /** Directory kept between runs; a temporary directory (removed on stop) when absent. */
  directory?: string;
}

/**
 * s3rver in-process. It stores objects on disk even when nothing is persisted, so the non-persistent mode gets a
 * fresh temporary directory. Clients must use path-style addressing and the access key id `S3RVER`.
 */
export async function startS3(options: S3EmulatorOptions = {}): Promise<Emulator> {
  const temporary = options.directory === undefined;
  const directory = options.directory ?? (await mkdtemp(join(tmpdir(), 'toolgate-s3-')));
  await mkdir(directory, { recursive: true });
  const s3rver = new S3rver({ address: LOOPBACK, port: 0, silent: true, directory });
  const { port } = await s3rver.run();
  return {
    endpoint: httpUrl(LOOPBACK, port),
    async stop() {
      if (s3rver.httpServer) await closeServer(s3rver.httpServer);
      if (temporary) await rm(directory, { recursive: true, force: true });
    },
  };
}
