import { PROVIDERS, within } from './catalogue';
import type { Metrics } from './port';

/** Model tokens spent through `provider` (a chat, a job, an ingestion summary): `ChatTokensIn` and `ChatTokensOut`. */
export function recordModelUsage(
  metrics: Metrics,
  provider: string,
  usage: { inputTokens: number; outputTokens: number },
): void {
  const dimensions = { provider: within(PROVIDERS, provider) };
  if (usage.inputTokens > 0) metrics.record('ChatTokensIn', usage.inputTokens, dimensions);
  if (usage.outputTokens > 0) metrics.record('ChatTokensOut', usage.outputTokens, dimensions);
}
