import { OPENAI_MAX_ATTEMPTS } from '@toolgate/core/agent/providers/openai';
import { startWireServer } from '@toolgate/core/testing/wire-server';

/**
 * An OpenAI-compatible model on loopback whose behaviour the prompt chooses, so that end-to-end tests can make the
 * worker's model fail, fail once, call a tool or answer with a very large result, through the real provider code:
 *   [always-fail]  every call answers 500
 *   [fail-once]    the first model call for this prompt fails: its first OPENAI_MAX_ATTEMPTS requests answer 503
 *                  (the provider's own retry included), later ones succeed
 *   [use-tool]     asks for account_get, then answers with what the tool returned
 *   [large]        answers 300,000 characters
 *   anything else  answers "echo: <prompt>"
 * Every call reports 10 input and 5 output tokens.
 */
export async function startFakeModel() {
  const calls = new Map<string, number>();
  const server = await startWireServer((request) => {
    const body = request.body as { messages?: { role: string; content: string | null }[] };
    const messages = body.messages ?? [];
    const prompt = [...messages].reverse().find((message) => message.role === 'user')?.content ?? '';
    const count = (calls.get(prompt) ?? 0) + 1;
    calls.set(prompt, count);
    const usage = { prompt_tokens: 10, completion_tokens: 5 };
    const answer = (content: string) => ({
      body: { choices: [{ message: { role: 'assistant', content }, finish_reason: 'stop' }], usage },
    });
    if (prompt.includes('[always-fail]')) return { status: 500, body: { error: { message: 'boom' } } };
    if (prompt.includes('[fail-once]') && count <= OPENAI_MAX_ATTEMPTS)
      return { status: 503, body: { error: { message: 'busy' } } };
    const last = messages.at(-1);
    if (prompt.includes('[use-tool]')) {
      if (last?.role === 'tool') return answer(`The tool said: ${last.content}`);
      return {
        body: {
          choices: [
            {
              message: {
                role: 'assistant',
                content: null,
                tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'account_get', arguments: '{}' } }],
              },
              finish_reason: 'tool_calls',
            },
          ],
          usage,
        },
      };
    }
    if (prompt.includes('[large]')) return answer('x'.repeat(300_000));
    return answer(`echo: ${prompt}`);
  });
  return { ...server, callsFor: (prompt: string) => calls.get(prompt) ?? 0 };
}
