/** The agent loop's (loop.ts) small parts: its deadline error, abort race, tool-result bounding and stop notice. */
import type { StoppedBy } from './loop';

/** What the model sees of a tool result; bounded so that one tool cannot flood the context window. */
const MAX_TOOL_RESULT_CHARS = 32_000;
export class DeadlineReached extends Error {
  constructor() {
    super('agent deadline reached');
    this.name = 'DeadlineReached';
  }
}

export function raceAbort<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}

export function toolContent(value: unknown): string {
  const text = JSON.stringify(value) ?? 'null';
  return text.length <= MAX_TOOL_RESULT_CHARS
    ? text
    : JSON.stringify({ truncated: true, preview: text.slice(0, MAX_TOOL_RESULT_CHARS - 100) });
}

/** What the reply gets after the text said so far when the run stops early. */
export function stopSuffix(
  stoppedBy: Exclude<StoppedBy, 'answer'>,
  saidSoFar: string,
  toolCalls: number,
  stepCap: number,
): string {
  const why =
    stoppedBy === 'deadline'
      ? 'I ran out of time for this request before I could finish'
      : `I reached the limit of ${stepCap} model steps for one request before I could finish`;
  const done = toolCalls > 0 ? ` (after ${toolCalls} tool call${toolCalls === 1 ? '' : 's'})` : '';
  const separator = saidSoFar.trim() ? STEP_SEPARATOR : '';
  return `${separator}${why}${done}. For long or many-step work, submit it as a job with POST /jobs and poll the job for the result.`;
}

/** Between the texts of two model steps in the reply (and in the stream). */
export const STEP_SEPARATOR = '\n\n';
