import { useState } from 'preact/hooks';
import { callApi, consoleApi, json, time, usePoll } from './api';
import { Head } from './head';
import type { DevUser } from './user';

interface HistoryEvent {
  type: string;
  state?: string;
  timestamp: number;
  input?: string;
  output?: string;
  error?: string;
  cause?: string;
  attempt?: number;
}

interface Execution {
  name: string;
  status: string;
  startDate: number;
  stopDate?: number;
  error?: string;
  cause?: string;
  history: HistoryEvent[];
}

interface Upload {
  id: string;
  sub?: string;
  filename?: string;
  size?: number;
  status?: string;
  createdAt?: string;
  error?: string;
  summary?: string;
  execution: Execution | null;
}

const TYPES: Record<string, string> = {
  md: 'text/markdown',
  txt: 'text/plain',
  csv: 'text/csv',
  json: 'application/json',
};

/** The browser flow of docs/uploads.md: presigned POST straight to S3, then complete. */
async function upload(user: DevUser, file: File): Promise<string> {
  const contentType = TYPES[file.name.split('.').pop()?.toLowerCase() ?? ''] ?? file.type;
  const created = await callApi<{ id: string; post: { url: string; fields: Record<string, string> }; detail?: string }>(
    user.token,
    'POST',
    '/uploads',
    { filename: file.name, contentType, size: file.size },
  );
  if (created.status !== 201) throw new Error(`POST /uploads: ${created.status} ${created.body.detail ?? ''}`);
  const form = new FormData();
  for (const [name, value] of Object.entries(created.body.post.fields)) form.append(name, value);
  form.append('file', file);
  const stored = await fetch(created.body.post.url, { method: 'POST', body: form });
  if (stored.status !== 204) throw new Error(`S3 refused the form: ${stored.status} ${await stored.text()}`);
  const completed = await callApi<{ detail?: string }>(user.token, 'POST', `/uploads/${created.body.id}/complete`);
  if (completed.status !== 202) throw new Error(`complete: ${completed.status} ${completed.body.detail ?? ''}`);
  return created.body.id;
}

export function UploadsView({ user }: { user: DevUser | null }) {
  const [file, setFile] = useState<File | null>(null);
  const [message, setMessage] = useState<string | null>(null);
  const [uploads, error] = usePoll(() => consoleApi<{ items: Upload[] }>('/uploads'), 1000);
  const send = async (event: Event) => {
    event.preventDefault();
    if (!user || !file) return;
    setMessage(`uploading ${file.name}…`);
    try {
      const id = await upload(user, file);
      setMessage(`${file.name} uploaded as ${id}: ingestion started`);
    } catch (caught) {
      setMessage(caught instanceof Error ? caught.message : String(caught));
    }
  };
  return (
    <section>
      <form class="toolbar" onSubmit={send}>
        <input type="file" name="file" onChange={(e) => setFile(e.currentTarget.files?.[0] ?? null)} />
        <button type="submit" disabled={!user || !file}>
          Upload as {user?.sub ?? '…'}
        </button>
        {message ? <span class="muted">{message}</span> : null}
      </form>
      {error ? <p class="error">{error}</p> : null}
      {(uploads?.items ?? []).map((item) => (
        <article class="upload" key={item.id} data-upload-id={item.id}>
          <header>
            <b>{item.filename}</b> <span class={`badge ${item.status}`}>{item.status}</span>{' '}
            <span class="muted">
              {item.size} bytes · {item.sub} · {item.id}
            </span>
          </header>
          {item.error ? <p class="error">{item.error}</p> : null}
          {item.summary ? <p class="summary">{item.summary}</p> : null}
          {item.execution ? <ExecutionView execution={item.execution} /> : <p class="muted">no workflow yet</p>}
        </article>
      ))}
    </section>
  );
}

interface StateRow {
  state: string;
  entered: number;
  input?: string;
  output?: string;
  errors: string[];
  retries: number;
  done: boolean;
}

function stateRows(history: HistoryEvent[]): StateRow[] {
  const rows: StateRow[] = [];
  for (const event of history) {
    if (!event.state) continue;
    let row = rows.at(-1);
    if (event.type === 'StateEntered' || !row || row.state !== event.state) {
      row = { state: event.state, entered: event.timestamp, errors: [], retries: 0, done: false };
      rows.push(row);
    }
    if (event.input !== undefined) row.input = event.input;
    if (event.output !== undefined) row.output = event.output;
    if (event.type === 'StateRetried') row.retries = Math.max(row.retries, event.attempt ?? row.retries + 1);
    if (event.error) row.errors.push(`${event.error}${event.cause ? `: ${event.cause}` : ''}`);
    if (event.type === 'StateExited' || event.type === 'StateCaught') row.done = true;
  }
  return rows;
}

function ExecutionView({ execution }: { execution: Execution }) {
  return (
    <div class="execution">
      <p>
        workflow <span class={`badge ${execution.status}`}>{execution.status}</span>{' '}
        <span class="muted">
          started {time(execution.startDate)}
          {execution.stopDate ? `, took ${execution.stopDate - execution.startDate} ms` : ''}
        </span>
      </p>
      <table class="states">
        <Head columns={['state', 'input', 'output', 'error', 'retries']} />
        <tbody>
          {stateRows(execution.history).map((row, index) => (
            <tr
              key={index}
              class={row.errors.length > 0 ? 'failed' : row.done ? 'done' : 'running'}
              data-state={row.state}
            >
              <td class="mono">{row.state}</td>
              <td>
                <pre>{row.input ? json(row.input) : ''}</pre>
              </td>
              <td>
                <pre>{row.output ? json(row.output) : ''}</pre>
              </td>
              <td class="error">{row.errors.join('\n')}</td>
              <td>{row.retries || ''}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
