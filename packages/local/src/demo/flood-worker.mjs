// The flood generator, in its own worker thread: the flood's client-side work (building requests, reading answers)
// must not run on the event loop that serves the gateway and the Lambdas, or the demo would measure the client's
// CPU cost instead of the gateway's isolation. Plain JavaScript: worker threads load it without a TypeScript loader.
import http from 'node:http';
import { parentPort, workerData } from 'node:worker_threads';

/**
 * @typedef {object} FloodWorkerInput
 * @property {string} url            gateway base URL (loopback)
 * @property {string[]} paths        paths to flood, used round-robin
 * @property {number} connections    concurrent keep-alive connections, each from its own loopback address
 * @property {number} ratePerSecond  total request rate (all connections together)
 * @property {number} durationMs     stop sending after this long
 * @property {number} maxRequests    stop sending after this many requests
 * @property {number} timeoutMs      a request without an answer after this long counts as a timeout
 */

/** @type {FloodWorkerInput} */
const input = workerData;
const target = new URL(input.url);
const statuses = new Map();
const latencies = [];
let sent = 0;
let timeouts = 0;
let errors = 0;

/** 127.0.1.1, 127.0.1.2, ...: every connection is its own client IP, as in a distributed flood. */
const sourceAddress = (index) => `127.0.${1 + Math.floor(index / 250)}.${1 + (index % 250)}`;

function once(agent, path) {
  return new Promise((resolve) => {
    const started = performance.now();
    const request = http.request(
      { host: target.hostname, port: target.port, path, method: 'GET', agent },
      (response) => {
        response.resume();
        response.on('end', () => {
          latencies.push(performance.now() - started);
          // A 500 is the gateway's answer to a throttled function ({"message":...}), unless the function itself
          // answered it (problem+json): that one is a failure, and is counted apart so that it is never taken for
          // a refusal.
          const fromFunction =
            response.statusCode >= 500 && /problem\+json/.test(String(response.headers['content-type'] ?? ''));
          const key = fromFunction ? `${response.statusCode} from the function` : String(response.statusCode);
          statuses.set(key, (statuses.get(key) ?? 0) + 1);
          resolve();
        });
        response.on('error', () => {
          errors += 1;
          resolve();
        });
      },
    );
    let timedOut = false;
    request.setTimeout(input.timeoutMs, () => {
      timedOut = true;
      timeouts += 1;
      request.destroy();
      resolve();
    });
    request.on('error', () => {
      // A timed-out request is destroyed and may end here too: it was counted once already.
      if (!timedOut) errors += 1;
      resolve();
    });
    request.end();
  });
}

async function connection(index, endAt) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1, localAddress: sourceAddress(index) });
  const intervalMs = (1000 * input.connections) / input.ratePerSecond;
  let next = performance.now() + (intervalMs * index) / input.connections;
  try {
    while (performance.now() < endAt && sent < input.maxRequests) {
      const wait = next - performance.now();
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
      next += intervalMs;
      if (performance.now() >= endAt || sent >= input.maxRequests) break;
      const path = input.paths[sent % input.paths.length] ?? '/';
      sent += 1;
      await once(agent, path);
    }
  } finally {
    agent.destroy();
  }
}

const endAt = performance.now() + input.durationMs;
await Promise.all(Array.from({ length: input.connections }, (_, index) => connection(index, endAt)));
parentPort?.postMessage({ sent, statuses: Object.fromEntries(statuses), latencies, timeouts, errors });
