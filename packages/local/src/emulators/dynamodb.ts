import dynalite from 'dynalite';
import { closeServer, httpUrl, listen } from './http-server';
import { type Emulator, LOOPBACK } from './types';

export interface DynamoDbEmulatorOptions {
  /** LevelDB directory for data that survives restarts; in-memory when absent. */
  path?: string;
}

/** dynalite in-process. Table lifecycle delays are zero so that CreateTable is usable at once. */
export async function startDynamoDb(options: DynamoDbEmulatorOptions = {}): Promise<Emulator> {
  const server = dynalite({
    createTableMs: 0,
    deleteTableMs: 0,
    updateTableMs: 0,
    ...(options.path ? { path: options.path } : {}),
  });
  const { port } = await listen(server, 0, LOOPBACK);
  return { endpoint: httpUrl(LOOPBACK, port), stop: () => closeServer(server) };
}
