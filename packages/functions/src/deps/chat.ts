import { createConversationsRepository } from '@toolgate/core/agent/aws/conversations';
import { createChatService } from '@toolgate/core/agent/chat';
import { AGENT_SECTION } from '@toolgate/core/agent/config';
import { config, doc, readSection } from './base';
import { chatQuota } from './limits';
import { metrics } from './metrics';
import { modelProvider } from './model';
import { tools } from './tools';
import { users } from './users';

const agent = readSection(AGENT_SECTION);

export const conversations = createConversationsRepository(doc, config.tableName, {
  ttlDays: agent.conversationTtlDays,
});

export const chat = createChatService({
  provider: modelProvider,
  registry: tools,
  conversations,
  users,
  quota: chatQuota,
  agent,
  metrics,
});
