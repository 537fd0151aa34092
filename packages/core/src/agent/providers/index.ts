import { BedrockRuntimeClient } from '@aws-sdk/client-bedrock-runtime';
import type { ModelConfig } from '../config';
import type { ModelProvider } from '../provider';
import { createBedrockProvider } from './bedrock';
import { createDevProvider } from './dev';
import { createOpenAiProvider } from './openai';

export interface ProviderEnvironment {
  /** The function's region, used by Bedrock unless the model config names one. */
  region: string;
}

/** The configured model provider. Call once at init: the Bedrock client is a module-scope singleton. */
export function createModelProvider(config: ModelConfig, environment: ProviderEnvironment): ModelProvider {
  switch (config.provider) {
    case 'dev':
      return createDevProvider({ latencyMs: config.latencyMs });
    case 'bedrock':
      return createBedrockProvider({
        // The loop's deadline bounds every call; SDK retries inside it are still useful for throttling.
        client: new BedrockRuntimeClient({ region: config.region ?? environment.region, maxAttempts: 2 }),
        modelId: config.modelId,
      });
    case 'openai':
      return createOpenAiProvider({
        baseUrl: config.baseUrl,
        modelId: config.modelId,
        ...(config.apiKey ? { apiKey: config.apiKey } : {}),
      });
  }
}
