import type { RouteId } from '../manifest';
import { agentDocs } from './agents';
import { billingDocs } from './billing';
import { foundationDocs } from './foundation';
import { jobDocs } from './jobs';
import type { RouteDoc } from './types';
import { uploadDocs } from './uploads';

export type { ResponseDoc, RouteDoc } from './types';

/**
 * Documentation of every manifest route, by route id. Each feature adds its own file. The OpenAPI generator
 * refuses a manifest route without an entry here, and a test builds the document, so a new route cannot ship
 * undocumented.
 */
export const routeDocs: Partial<Record<RouteId, RouteDoc>> = {
  ...foundationDocs,
  ...agentDocs,
  ...billingDocs,
  ...uploadDocs,
  ...jobDocs,
};
