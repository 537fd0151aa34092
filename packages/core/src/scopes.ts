/**
 * OAuth scopes, as the Cognito resource server `toolgate` issues them (`<identifier>/<name>`). Routes and tools
 * name the scope they need; the gateway authorizer and the in-Lambda guard both check it.
 */
export const RESOURCE_SERVER = 'toolgate';

export const SCOPE_NAMES = ['profile', 'chat', 'tools', 'documents', 'jobs'] as const;
export type ScopeName = (typeof SCOPE_NAMES)[number];
export type Scope = `${typeof RESOURCE_SERVER}/${ScopeName}`;

export const scope = (name: ScopeName): Scope => `${RESOURCE_SERVER}/${name}`;

export const ALL_SCOPES: readonly Scope[] = SCOPE_NAMES.map(scope);

export const SCOPE_DESCRIPTIONS: Record<ScopeName, string> = {
  profile: 'Read your own account: plan, usage, granted scopes',
  chat: 'Talk to the agent (POST /chat)',
  tools: 'List and call tools over REST and MCP',
  documents: 'Upload documents and read your own documents',
  jobs: 'Submit and read long-running inference jobs',
};
