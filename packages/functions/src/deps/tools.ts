import { accountTools } from '@toolgate/core/tools/account';
import { catalogTools } from '@toolgate/core/tools/catalog';
import { ToolRegistry } from '@toolgate/core/tools/registry';
import { config } from './base';
import { catalog } from './catalog';
import { chatQuota } from './limits';
import { users } from './users';

/** The one tool registry, served over REST, MCP and inside chat. Features add their tool factories here. */
export const tools = new ToolRegistry([
  ...catalogTools(catalog),
  ...accountTools(users, chatQuota, config.limits.plans),
]);
