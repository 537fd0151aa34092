import type { Tier } from '../packages/core/src/concurrency';
import { requiredSecrets } from '../packages/core/src/deploy/secrets';
import { settings } from './stage';

/**
 * Secret values never live in git: set them per stage with `pnpm sst secret set <Name> <value> --stage <s>`
 * (`pnpm preflight` checks they are there). `sst deploy` fails on a secret without a value.
 */
const specs = requiredSecrets(settings);
const secrets = new Map(specs.map((spec) => [spec.name, new sst.Secret(spec.name)]));

/** The secrets one tier links: each function can decrypt only what it reads. */
export function secretsFor(tier: Tier): sst.Secret[] {
  return specs.filter((spec) => spec.tiers.includes(tier)).map((spec) => secrets.get(spec.name)!);
}
