import { createTierMetrics } from '../metrics';
import { config } from './base';

/** This instance's metrics (one per Lambda instance, like the SDK clients). */
export const metrics = createTierMetrics(config.stage);
