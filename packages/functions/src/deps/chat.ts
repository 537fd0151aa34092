import { createChatService } from '@toolgate/core/agent/chat';
import { createConversationsRepository } from '@toolgate/core/agent/conversations';
import { config, doc } from './base';
import { chatQuota } from './limits';
import { modelProvider } from './model';
import { tools } from './tools';
import { users } from './users';

export const conversations = createConversationsRepository(doc, config.tableName, {
  ttlDays: config.agent.conversationTtlDays,
});

export const chat = createChatService({
  provider: modelProvider,
  registry: tools,
  conversations,
  users,
  quota: chatQuota,
  agent: config.agent,
});
