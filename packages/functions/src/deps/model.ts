import { createModelProvider } from '@toolgate/core/agent/providers/index';
import { config } from './base';

/** The configured model (Bedrock client created here, once per instance). */
export const modelProvider = createModelProvider(config.model, { region: config.region });
