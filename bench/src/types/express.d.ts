/**
 * Express 5 ships no types and the bench may not add `@types/express`; the peer baseline uses only this much.
 * Replace with `@types/express` if it ever becomes a dependency.
 */
declare module 'express' {
  import type { IncomingMessage, ServerResponse } from 'node:http';

  interface Request extends IncomingMessage {
    params: Record<string, string | undefined>;
  }
  interface Response extends ServerResponse {
    status(code: number): Response;
    set(name: string, value: string): Response;
    json(body: unknown): Response;
  }
  interface Application {
    (req: IncomingMessage, res: ServerResponse): void;
    get(path: string, handler: (req: Request, res: Response) => unknown): Application;
  }
  export default function express(): Application;
}
