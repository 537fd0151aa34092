import { catalogTools } from '@toolgate/core/catalog/tools';
import { jobTools } from '@toolgate/core/jobs/tools';
import { LIMITS_SECTION } from '@toolgate/core/limits/plans';
import { accountTools } from '@toolgate/core/tools/account';
import { ToolRegistry } from '@toolgate/core/tools/registry';
import { documentTools } from '@toolgate/core/uploads/tools';
import { readSection } from './base';
import { catalog } from './catalog';
import { jobs } from './jobs';
import { chatQuota } from './limits';
import { metrics } from './metrics';
import { uploads } from './uploads';
import { users } from './users';

/** The one tool registry, served over REST, MCP and inside chat. Features add their tool factories here. */
export const tools = new ToolRegistry(
  [
    ...catalogTools(catalog),
    ...accountTools(users, chatQuota, readSection(LIMITS_SECTION).plans),
    ...documentTools(uploads),
    ...jobTools(jobs),
  ],
  { metrics },
);
