import { createParser } from 'eventsource-parser';
import { type Summary, summarize } from './stats';

/**
 * A streamed chat against the buffered one, through the local gateway with the dev model (issue 18): the time to the
 * first event of `POST /chat` with `Accept: text/event-stream` and its total time, against the total time of the same
 * chat without the header, in the same run and taking turns (a noisy neighbour hits both alike).
 */
export interface StreamResult {
  prompt: string;
  runs: number;
  /** The dev model's time per generated word in this run (it takes it streamed or not, as a real model does). */
  chunkDelayMs: number;
  /** ms from sending the request to the first SSE event. */
  firstEvent: Summary;
  /** ms from sending the request to the `done` event. */
  streamTotal: Summary;
  /** ms of the same chat answered as one JSON body. */
  buffered: Summary;
  /** Events per streamed chat (the last run's). */
  events: number;
}

async function streamed(
  url: string,
  token: string,
  prompt: string,
): Promise<{ first: number; total: number; events: number }> {
  const started = performance.now();
  const response = await fetch(`${url}/chat`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', accept: 'text/event-stream' },
    body: JSON.stringify({ message: prompt }),
  });
  if (response.status !== 200 || !response.body) throw new Error(`streamed chat answered ${response.status}`);
  let first = Number.NaN;
  let done = Number.NaN;
  let events = 0;
  const parser = createParser({
    onEvent: (event) => {
      events += 1;
      if (Number.isNaN(first)) first = performance.now() - started;
      if (event.event === 'done') done = performance.now() - started;
      if (event.event === 'error') throw new Error(`streamed chat failed: ${event.data}`);
    },
  });
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  for (;;) {
    const chunk = await reader.read();
    if (chunk.done) break;
    parser.feed(chunk.value);
  }
  if (Number.isNaN(done)) throw new Error('streamed chat ended without done');
  return { first, total: done, events };
}

async function buffered(url: string, token: string, prompt: string): Promise<number> {
  const started = performance.now();
  const response = await fetch(`${url}/chat`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ message: prompt }),
  });
  await response.text();
  if (response.status !== 200) throw new Error(`buffered chat answered ${response.status}`);
  return performance.now() - started;
}

export async function measureStream(options: {
  url: string;
  token: string;
  runs: number;
  chunkDelayMs: number;
  prompt?: string;
  onRun?: (done: number) => void;
}): Promise<StreamResult> {
  const prompt = options.prompt ?? 'hello';
  // One of each first: the first chat of a process pays module loads and connections.
  await buffered(options.url, options.token, prompt);
  await streamed(options.url, options.token, prompt);
  const firsts: number[] = [];
  const totals: number[] = [];
  const bufferedTimes: number[] = [];
  let events = 0;
  for (let run = 0; run < options.runs; run++) {
    const stream = await streamed(options.url, options.token, prompt);
    firsts.push(stream.first);
    totals.push(stream.total);
    events = stream.events;
    bufferedTimes.push(await buffered(options.url, options.token, prompt));
    options.onRun?.(run + 1);
  }
  return {
    prompt,
    runs: options.runs,
    chunkDelayMs: options.chunkDelayMs,
    firstEvent: summarize(firsts),
    streamTotal: summarize(totals),
    buffered: summarize(bufferedTimes),
    events,
  };
}
