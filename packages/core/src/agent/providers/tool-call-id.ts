/** As the stored-message schema allows (`ToolCallRequestSchema`): a longer id could not be saved. */
const MAX_ID_LENGTH = 128;
const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/**
 * Nine letters and digits: the strictest id format a server we send it back to checks (Mistral, and vLLM serving a
 * Mistral model, refuse any other `tool_call_id`), and valid as a Bedrock `toolUseId` too. Random, not a counter: the
 * id sits in the stored history beside the ids of earlier turns, which a counter restarted per response would repeat.
 */
export function generateToolCallId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(9));
  return Array.from(bytes, (byte) => ALPHABET[byte % ALPHABET.length]).join('');
}

/**
 * The ids of one model turn's tool calls, each usable in the stored history. Some servers send `""` (LM Studio,
 * Gemini's compatible endpoint), none at all (older Ollama and llama.cpp builds) or the same id twice; the result
 * of each call must still find its call, so those get a generated id. Ids the server chose are kept: it may check
 * them when they come back.
 */
export function toolCallIds(ids: readonly (string | null | undefined)[]): string[] {
  const seen = new Set<string>();
  return ids.map((id) => {
    let usable = typeof id === 'string' && id.length > 0 && id.length <= MAX_ID_LENGTH ? id : generateToolCallId();
    while (seen.has(usable)) usable = generateToolCallId();
    seen.add(usable);
    return usable;
  });
}
