import { Resource } from 'sst/resource';
import { type Config, isDeployed, readConfig } from './config';

/**
 * The process's configuration, read once at init. This module is the only one that touches `process.env`
 * (the AWS SDK and Powertools read their own standard variables).
 */
const env = process.env;

export const config: Config = isDeployed(env)
  ? readConfig(env, Resource as unknown as Record<string, Record<string, unknown>>)
  : readConfig(env);
