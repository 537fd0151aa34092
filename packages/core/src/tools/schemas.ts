import * as z from '../zod';
import type { AnyTool } from './registry';

/** A JSON Schema object (draft 2020-12, without `$schema`: Bedrock, OpenAI and MCP clients each assume their own). */
export type JsonSchema = Record<string, unknown>;

/** A tool as every consumer outside core sees it: plain data, no zod. */
export interface ToolDescription {
  name: string;
  description: string;
  scope: string;
  inputSchema: JsonSchema;
  outputSchema: JsonSchema;
}

/** What a model is given: the input contract only. */
export interface ToolDefinition {
  name: string;
  description: string;
  inputSchema: JsonSchema;
}

export function toJsonSchema(schema: z.core.$ZodType, io: 'input' | 'output'): JsonSchema {
  const { $schema: _dialect, ...rest } = z.toJSONSchema(schema, { io }) as JsonSchema;
  return rest;
}

const described = new WeakMap<AnyTool, ToolDescription>();

/** The tool's JSON Schemas, computed once per tool (zod's conversion is not free on a hot path). */
export function describeTool(tool: AnyTool): ToolDescription {
  let description = described.get(tool);
  if (!description) {
    description = {
      name: tool.name,
      description: tool.description,
      scope: tool.scope,
      inputSchema: toJsonSchema(tool.input, 'input'),
      outputSchema: toJsonSchema(tool.output, 'output'),
    };
    described.set(tool, description);
  }
  return description;
}

export function toolDefinition(tool: AnyTool): ToolDefinition {
  const { name, description, inputSchema } = describeTool(tool);
  return { name, description, inputSchema };
}

/** Bedrock Converse `toolConfig.tools[]` entry. */
export function bedrockToolSpec(tool: ToolDefinition) {
  return { toolSpec: { name: tool.name, description: tool.description, inputSchema: { json: tool.inputSchema } } };
}

/** OpenAI Chat Completions `tools[]` entry (function calling). */
export function openAiFunction(tool: ToolDefinition) {
  return {
    type: 'function' as const,
    function: { name: tool.name, description: tool.description, parameters: tool.inputSchema },
  };
}
