import { MODEL_SECTION } from '@toolgate/core/agent/config';
import { createModelProvider } from '@toolgate/core/agent/providers/index';
import { config, readSection } from './base';

/** The configured model (Bedrock client created here, once per instance). */
export const modelProvider = createModelProvider(readSection(MODEL_SECTION), { region: config.region });
