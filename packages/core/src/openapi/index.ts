import type { RouteId } from '../manifest';
import { agentDocs } from './agents';
import { billingDocs } from './billing';
import { foundationDocs } from './foundation';
import { jobDocs } from './jobs';
import type { RouteDoc } from './types';
import { uploadDocs } from './uploads';

export type { ResponseDoc, RouteDoc } from './types';

/** Documentation for every manifest route: complete by type, so a route without an entry does not compile. */
export type RouteDocs = Readonly<Record<RouteId, RouteDoc>>;

/**
 * Documentation of every manifest route, by route id. Each feature adds its own fragment file (typed
 * `satisfies Partial<Record<RouteId, RouteDoc>>`), spread here: the `RouteDocs` annotation makes a manifest route
 * without an entry a compile error (`docs.test.ts`), and the OpenAPI generator still refuses one at run time.
 */
export const routeDocs: RouteDocs = {
  ...foundationDocs,
  ...agentDocs,
  ...billingDocs,
  ...uploadDocs,
  ...jobDocs,
};
