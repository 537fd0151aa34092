import { onFirstCall } from '../../data/on-first-call';
import { DEV_MODEL_ID, type ModelConfig } from '../config';
import type { ModelProvider } from '../provider';
import { createOpenAiProvider } from './openai';

export interface ProviderEnvironment {
  /** The function's region, used by Bedrock unless the model config names one. */
  region: string;
}

/**
 * The configured model provider. Call once at init. The dev and Bedrock providers (and Bedrock's SDK client) load on
 * the first model call (`import()`): the tiers that hold a provider answer most requests without one, and a deployed
 * bundle configured for Bedrock never parses the dev model.
 */
export function createModelProvider(config: ModelConfig, environment: ProviderEnvironment): ModelProvider {
  switch (config.provider) {
    case 'dev': {
      const { latencyMs, chunkDelayMs } = config;
      return onFirstCall<ModelProvider>(
        async () => (await import('./dev')).createDevProvider({ latencyMs, chunkDelayMs }),
        { name: 'dev', modelId: DEV_MODEL_ID },
      );
    }
    case 'bedrock': {
      const { modelId } = config;
      const region = config.region ?? environment.region;
      return onFirstCall<ModelProvider>(
        async () => {
          const { createBedrockProvider, createBedrockClient } = await import('./bedrock');
          return createBedrockProvider({ client: createBedrockClient(region), modelId });
        },
        { name: 'bedrock', modelId },
      );
    }
    case 'openai':
      return createOpenAiProvider({
        baseUrl: config.baseUrl,
        modelId: config.modelId,
        ...(config.apiKey ? { apiKey: config.apiKey } : {}),
        ...(config.maxTokensParameter ? { maxTokensParameter: config.maxTokensParameter } : {}),
      });
  }
}
