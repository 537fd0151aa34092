import { routes } from '@toolgate/core/manifest';
import type { ToolRegistry } from '@toolgate/core/tools/registry';
import { bedrockToolSpec, describeTool, openAiFunction } from '@toolgate/core/tools/schemas';
import type { Hono } from 'hono';
import { readJsonBody } from '../http/json-body';
import type { AppEnv } from '../http/types';
import { honoPath } from './path';

/** `GET /tools` and `POST /tools/{name}`: the registry over REST, as the verified caller. */
export function mountTools(app: Hono<AppEnv>, registry: ToolRegistry): void {
  app.get(honoPath(routes.toolsList), (c) => {
    const tools = registry.list(c.get('caller').scopes).map((tool) => {
      const description = describeTool(tool);
      return {
        ...description,
        // The same definition in the two shapes model APIs take, ready to paste into a request.
        bedrock: bedrockToolSpec(description),
        openai: openAiFunction(description),
      };
    });
    c.header('Cache-Control', 'private, no-store');
    return c.json({ tools });
  });

  app.post(honoPath(routes.toolCall), async (c) => {
    const input = await readJsonBody(c, { optional: true });
    const output = await registry.call(c.req.param('name') ?? '', input, {
      caller: c.get('caller'),
      signal: c.req.raw.signal,
    });
    c.header('Cache-Control', 'no-store');
    return c.json(output as object);
  });
}
