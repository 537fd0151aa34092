import type { Caller } from '../auth/verifier';
import { ForbiddenError, isToolgateError, NotFoundError, ValidationError } from '../errors';
import { type Metrics, noMetrics } from '../metrics/port';
import type { Scope } from '../scopes';
import * as z from '../zod';

/** What every tool handler receives: the verified caller (tools act as the caller, never as the service). */
export interface ToolContext {
  caller: Caller;
  signal?: AbortSignal;
}

/**
 * One tool, served three ways (REST, MCP, the chat agent loop). The description is written for a model; the
 * schemas are the contract at every boundary; `scope` is what the caller's token must grant. Both schemas are zod
 * objects, by type: MCP and both model APIs take object arguments and structured results, nothing else.
 */
export interface Tool<
  I extends z.core.$ZodObject = z.core.$ZodObject,
  O extends z.core.$ZodObject = z.core.$ZodObject,
> {
  name: string;
  description: string;
  input: I;
  output: O;
  scope: Scope;
  handler(input: z.output<I>, context: ToolContext): Promise<z.input<O>>;
}

export function defineTool<I extends z.core.$ZodObject, O extends z.core.$ZodObject>(tool: Tool<I, O>): Tool<I, O> {
  if (!/^[a-z][a-z0-9_]{0,63}$/.test(tool.name)) throw new Error(`tool name ${tool.name} must be snake_case`);
  return tool;
}

// biome-ignore lint/suspicious/noExplicitAny: a registry holds tools of every input/output type
export type AnyTool = Tool<any, any>;

export interface ToolRegistryOptions {
  /** Counts every call of a registered tool by outcome (`ToolCalls`); an unknown name is not counted. */
  metrics?: Metrics;
}

export class ToolRegistry {
  private readonly tools = new Map<string, AnyTool>();
  private readonly metrics: Metrics;

  constructor(tools: readonly AnyTool[], options: ToolRegistryOptions = {}) {
    this.metrics = options.metrics ?? noMetrics;
    // No JSON Schema conversion here: it is not free, and a cold start that answers `GET /me` needs none of it.
    // `describeTool` converts each tool once, when a listing or a model first asks for it.
    for (const tool of tools) {
      if (this.tools.has(tool.name)) throw new Error(`duplicate tool ${tool.name}`);
      this.tools.set(tool.name, tool);
    }
  }

  /** The tools a caller with these scopes may use. */
  list(scopes: readonly string[]): AnyTool[] {
    return [...this.tools.values()].filter((tool) => scopes.includes(tool.scope));
  }

  all(): AnyTool[] {
    return [...this.tools.values()];
  }

  /**
   * Validates the input (400 naming the field), checks the scope (403), runs the tool, and validates its output
   * (a tool that breaks its own contract is a bug, reported as a 500, never passed on).
   */
  async call(name: string, rawInput: unknown, context: ToolContext): Promise<unknown> {
    const tool = this.tools.get(name);
    if (!tool) throw new NotFoundError(`No tool named ${name}.`);
    try {
      const output = await this.run(tool, rawInput, context);
      this.metrics.record('ToolCalls', 1, { tool: tool.name, outcome: 'ok' });
      return output;
    } catch (error) {
      // A refusal of the caller's request (scope, input) is not the tool failing.
      const outcome = isToolgateError(error) && error.status < 500 ? 'rejected' : 'failed';
      this.metrics.record('ToolCalls', 1, { tool: tool.name, outcome });
      throw error;
    }
  }

  private async run(tool: AnyTool, rawInput: unknown, context: ToolContext): Promise<unknown> {
    const { name } = tool;
    if (!context.caller.scopes.includes(tool.scope)) {
      throw new ForbiddenError(`The tool ${name} requires the scope ${tool.scope}.`);
    }
    const parsed = z.safeParse(tool.input, rawInput ?? {});
    if (!parsed.success) {
      throw new ValidationError(
        parsed.error.issues.map((issue: z.core.$ZodIssue) => ({
          field: ['input', ...issue.path.map(String)].join('.'),
          message: issue.message,
        })),
      );
    }
    const result = await tool.handler(parsed.data, context);
    return z.parse(tool.output, result);
  }
}
