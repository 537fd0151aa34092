import { Fragment } from 'preact';
import { useRef, useState } from 'preact/hooks';
import { consoleApi, json, time, usePoll } from './api';
import { Head } from './head';

interface RequestRecord {
  seq: number;
  at: number;
  requestId: string;
  method: string;
  path: string;
  tier: string | null;
  status: number;
  latencyMs: number;
  answeredBy: string;
  gatewayError?: string;
}

const MAX_SHOWN = 500;

export function RequestsView() {
  const seen = useRef<RequestRecord[]>([]);
  const [filter, setFilter] = useState('');
  const [open, setOpen] = useState<string | null>(null);
  const [requests] = usePoll(async () => {
    const last = seen.current[0]?.seq ?? 0;
    const { items } = await consoleApi<{ items: RequestRecord[] }>(`/requests?since=${last}`);
    if (items.length > 0) seen.current = [...items.reverse(), ...seen.current].slice(0, MAX_SHOWN);
    return seen.current;
  }, 500);
  const words = filter.toLowerCase().split(/\s+/).filter(Boolean);
  const shown = (requests ?? []).filter((request) => {
    const text =
      `${request.method} ${request.path} ${request.tier ?? '-'} ${request.status} ${request.answeredBy} ${request.requestId}`.toLowerCase();
    return words.every((word) => text.includes(word));
  });
  return (
    <section>
      <div class="toolbar">
        <input
          type="search"
          name="filter"
          placeholder="filter: method, path, tier, status, check, request id"
          value={filter}
          onInput={(e) => setFilter(e.currentTarget.value)}
        />
        <span class="muted">
          {shown.length} of {requests?.length ?? 0} requests through the local gateway
        </span>
      </div>
      <table class="requests">
        <Head columns={['time', 'method', 'path', 'tier', 'status', 'latency', 'answered by', 'request id']} />
        <tbody>
          {shown.map((request) => (
            <Fragment key={request.seq}>
              <tr
                class={`request s${Math.floor(request.status / 100)}xx`}
                data-request-id={request.requestId}
                onClick={() => setOpen(open === request.requestId ? null : request.requestId)}
              >
                <td>{time(request.at)}</td>
                <td>{request.method}</td>
                <td class="path">{request.path}</td>
                <td>{request.tier ?? '-'}</td>
                <td class="status">{request.status}</td>
                <td>{request.latencyMs} ms</td>
                <td title={request.gatewayError ?? ''}>{request.answeredBy}</td>
                <td class="mono">{request.requestId}</td>
              </tr>
              {open === request.requestId ? (
                <tr>
                  <td colSpan={8}>
                    <RequestLogs requestId={request.requestId} gatewayError={request.gatewayError} />
                  </td>
                </tr>
              ) : null}
            </Fragment>
          ))}
        </tbody>
      </table>
    </section>
  );
}

function RequestLogs({ requestId, gatewayError }: { requestId: string; gatewayError: string | undefined }) {
  const [logs, error] = usePoll(
    () => consoleApi<{ lines: Record<string, unknown>[] }>(`/requests/${encodeURIComponent(requestId)}/logs`),
    2000,
    [requestId],
  );
  if (error) return <p class="error">{error}</p>;
  if (!logs) return <p class="muted">loading…</p>;
  return (
    <div class="logs" data-testid="request-logs">
      {gatewayError ? <p>the local gateway answered by itself: {gatewayError}</p> : null}
      {logs.lines.length === 0 ? (
        <p class="muted">No log line carries this request id (no Lambda ran, or the log level hides its lines).</p>
      ) : null}
      {logs.lines.map((line, index) => (
        <pre key={index}>{json(line)}</pre>
      ))}
    </div>
  );
}
