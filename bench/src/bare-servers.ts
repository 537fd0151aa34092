import { randomBytes } from 'node:crypto';
import { serve } from '@hono/node-server';
import { createCatalogRepository } from '@toolgate/core/catalog/aws/repository';
import type { Product } from '@toolgate/core/catalog/schema';
import { createCursorCodec } from '@toolgate/core/data/cursor';
import { createDocumentClient } from '@toolgate/core/data/dynamo';
import { Hono } from 'hono';

export interface BareServer {
  url: string;
  stop(): Promise<void>;
}

async function listen(app: Hono): Promise<BareServer> {
  return new Promise((resolve) => {
    const server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, (info) => {
      resolve({
        url: `http://127.0.0.1:${info.port}`,
        stop: () =>
          new Promise<void>((done) => {
            // Autocannon has gone; close idle keep-alive sockets instead of waiting for them to time out.
            if ('closeAllConnections' in server) server.closeAllConnections();
            server.close(() => done());
          }),
      });
    });
  });
}

/**
 * Baseline 1, same work: a bare @hono/node-server app serving `GET /catalog/:id` with the same repository call
 * against the same DynamoDB emulator, and nothing else. The gateway's ratio against it is toolgate's overhead
 * (payload-v2 event, manifest, concurrency, guard, logs, limiter, ETag), not the emulator's speed.
 */
export function startBareCatalog(region: string, tableName: string): Promise<BareServer> {
  // Only `get` is served: the cursor codec signs nothing here, and a random key is as good as any.
  const cursors = createCursorCodec(randomBytes(32).toString('base64url'));
  const catalog = createCatalogRepository(createDocumentClient({ region }), tableName, cursors);
  const app = new Hono();
  app.get('/catalog/:id', async (c) => {
    const product = await catalog.get(c.req.param('id'));
    return product ? c.json(product) : c.json({ message: 'Not Found' }, 404);
  });
  return listen(app);
}

/** Baseline 2, no work: the same route answering a constant. The ceiling of this machine's loopback HTTP. */
export function startBareConstant(product: Product): Promise<BareServer> {
  const app = new Hono();
  app.get('/catalog/:id', (c) => c.json(product));
  return listen(app);
}
