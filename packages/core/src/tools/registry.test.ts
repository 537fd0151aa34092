import { describe, expect, it } from 'vitest';
import { catalogTools } from '../catalog/tools';
import { ForbiddenError, NotFoundError, ValidationError } from '../errors';
import { DEFAULT_PLAN_LIMITS } from '../limits/plans';
import { createChatQuota } from '../limits/rate-limiter';
import { scope } from '../scopes';
import { caller, memoryCatalog, memoryUsage } from '../testing/agent-fakes';
import * as z from '../zod';
import { accountTools } from './account';
import { defineTool, ToolRegistry } from './registry';
import { bedrockToolSpec, describeTool, openAiFunction, toolDefinition } from './schemas';

const users = {
  get: async (sub: string) => ({ sub, plan: 'pro' as const }),
  setPlan: () => Promise.reject(new Error('unused')),
};
const registry = new ToolRegistry([
  ...catalogTools(memoryCatalog()),
  ...accountTools(users, createChatQuota({ store: memoryUsage(), plans: DEFAULT_PLAN_LIMITS }), DEFAULT_PLAN_LIMITS),
]);
const toolsOnly = caller('user-a', [scope('tools')]);

async function failure(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected a failure');
}

describe('ToolRegistry', () => {
  it('lists only the tools the scopes allow', () => {
    expect(registry.list([scope('tools')]).map((t) => t.name)).toEqual(['catalog_search', 'catalog_get']);
    expect(registry.list([scope('profile')]).map((t) => t.name)).toEqual(['account_get']);
    expect(registry.list([scope('chat')])).toEqual([]);
  });

  it('runs a tool as the caller and returns its validated output', async () => {
    const page = (await registry.call('catalog_search', { q: 'gpu', limit: 2 }, { caller: toolsOnly })) as {
      items: { id: string }[];
    };
    expect(page.items.map((p) => p.id)).toEqual(['gpu-a10g-hour', 'gpu-l4-hour']);
    const account = await registry.call('account_get', {}, { caller: caller('user-b') });
    expect(account).toMatchObject({ sub: 'user-b', plan: 'pro', usage: { chatTokens: 0 } });
  });

  it('rejects invalid input with a 400 naming each field as input.<field>', async () => {
    const error = await failure(registry.call('catalog_search', { limit: 0, category: 'toys' }, { caller: toolsOnly }));
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).status).toBe(400);
    expect((error as ValidationError).issues.map((i) => i.field).sort()).toEqual(['input.category', 'input.limit']);
    const extra = await failure(
      registry.call('catalog_get', { id: 'gpu-l4-hour', admin: true }, { caller: toolsOnly }),
    );
    expect((extra as ValidationError).issues[0]?.field).toBe('input');
    const notObject = await failure(registry.call('catalog_get', 'gpu-l4-hour', { caller: toolsOnly }));
    expect((notObject as ValidationError).issues[0]).toMatchObject({ field: 'input' });
  });

  it('refuses a tool the scopes do not grant with 403, before validating or running it', async () => {
    const error = await failure(registry.call('account_get', { bogus: 1 }, { caller: toolsOnly }));
    expect(error).toBeInstanceOf(ForbiddenError);
    expect((error as ForbiddenError).detail).toContain('toolgate/profile');
  });

  it('answers 404 for an unknown tool and for a product that does not exist', async () => {
    expect(await failure(registry.call('nope', {}, { caller: toolsOnly }))).toBeInstanceOf(NotFoundError);
    expect(await failure(registry.call('catalog_get', { id: 'no-such-thing' }, { caller: toolsOnly }))).toBeInstanceOf(
      NotFoundError,
    );
  });

  it('never passes on output that breaks the tool contract', async () => {
    const broken = new ToolRegistry([
      defineTool({
        name: 'broken',
        description: 'returns the wrong shape',
        input: z.object({}),
        output: z.object({ n: z.number() }),
        scope: scope('tools'),
        handler: async () => ({ n: 'one' }) as never,
      }),
    ]);
    await expect(broken.call('broken', {}, { caller: toolsOnly })).rejects.toThrow();
  });

  it('refuses duplicate names and bad names when built', () => {
    const tool = catalogTools(memoryCatalog())[0];
    expect(() => new ToolRegistry([tool as never, tool as never])).toThrow(/duplicate/);
    expect(() => defineTool({ ...(tool as never as object), name: 'Bad-Name' } as never)).toThrow(/snake_case/);
  });

  it('accepts only zod objects as input and output schemas (checked by the compiler)', () => {
    const scalar = () =>
      defineTool({
        name: 'scalar',
        description: 'x',
        // @ts-expect-error MCP and the model APIs take object arguments: a scalar input cannot be served
        input: z.string(),
        output: z.object({}),
        scope: scope('tools'),
        handler: async () => ({}),
      });
    expect(scalar).toBeTypeOf('function');
    for (const tool of registry.all()) {
      const { inputSchema, outputSchema } = describeTool(tool);
      expect([tool.name, inputSchema.type, outputSchema.type]).toEqual([tool.name, 'object', 'object']);
    }
  });
});

describe('tool descriptions', () => {
  const search = registry.list([scope('tools')])[0];
  if (!search) throw new Error('no catalog_search');

  it('exposes input and output as JSON Schema without a $schema dialect', () => {
    const described = describeTool(search);
    expect(described).toMatchObject({ name: 'catalog_search', scope: 'toolgate/tools' });
    expect(described.inputSchema).toMatchObject({
      type: 'object',
      additionalProperties: false,
      properties: { q: { type: 'string' }, limit: { type: 'integer', maximum: 20, default: 5 } },
    });
    expect(described.inputSchema.required ?? []).not.toContain('limit');
    expect(described.outputSchema).toMatchObject({ type: 'object', required: ['items', 'nextCursor'] });
    expect('$schema' in described.inputSchema).toBe(false);
    expect(describeTool(search)).toBe(described); // computed once
  });

  it('renders the Bedrock Converse toolSpec and the OpenAI function shapes', () => {
    const definition = toolDefinition(search);
    expect(bedrockToolSpec(definition)).toEqual({
      toolSpec: {
        name: 'catalog_search',
        description: search.description,
        inputSchema: { json: definition.inputSchema },
      },
    });
    expect(openAiFunction(definition)).toEqual({
      type: 'function',
      function: { name: 'catalog_search', description: search.description, parameters: definition.inputSchema },
    });
  });
});
