/** A running emulator: where SDK clients reach it, and how to shut it down without leaving a handle behind. */
export interface Emulator {
  endpoint: string;
  stop(): Promise<void>;
}

export const LOOPBACK = '127.0.0.1';
