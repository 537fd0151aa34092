import { describe, expect, it } from 'vitest';
import { registerClientPlugin } from './aws-client-plugins';
import { createDocumentClient } from './dynamo';

const named = (name: string) => ({
  applyToStack(stack: { add(middleware: unknown, options: unknown): void }) {
    stack.add((next: (args: unknown) => unknown) => (args: unknown) => next(args), { step: 'build', name });
  },
});
const middlewareOf = (client: { middlewareStack: { identify(): string[] } }) =>
  client.middlewareStack.identify().join(' ');

describe('the client-plugin hook', () => {
  it('leaves a client untouched when nothing is registered (deployed), and leaves no global behind', () => {
    expect(middlewareOf(createDocumentClient({ region: 'us-east-1' }))).not.toContain('probePlugin');
    expect(Object.getOwnPropertySymbols(globalThis).map(String)).not.toContain('Symbol(toolgate.aws-client-plugins)');
  });

  it('adds a registered plugin to clients created after it, until it is removed', () => {
    const unregister = registerClientPlugin(named('probePlugin'));
    try {
      expect(middlewareOf(createDocumentClient({ region: 'us-east-1' }))).toContain('probePlugin');
    } finally {
      unregister();
    }
    expect(middlewareOf(createDocumentClient({ region: 'us-east-1' }))).not.toContain('probePlugin');
    expect(Object.getOwnPropertySymbols(globalThis).map(String)).not.toContain('Symbol(toolgate.aws-client-plugins)');
  });
});
