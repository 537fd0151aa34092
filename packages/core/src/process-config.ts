import { Resource } from 'sst/resource';
import { type BaseConfig, createConfigReader, isDeployed, rawConfig, type SstResources } from './config-reader';

/**
 * The process's configuration, read once at init. This module is the only one that touches `process.env`
 * (the AWS SDK and Powertools read their own standard variables).
 */
const env = process.env;

const reader = createConfigReader(
  isDeployed(env) ? rawConfig(env, Resource as unknown as SstResources) : rawConfig(env),
);

/** The base configuration (names, ids, origins), validated at init. */
export const config: BaseConfig = reader.base;

/**
 * One section, validated the first time a module of this tier reads it: the tier's dependency modules do so at
 * init, so a bad section still stops the tier from starting, and a tier never builds the schemas of sections it
 * does not use.
 */
export const readSection = reader.section;
