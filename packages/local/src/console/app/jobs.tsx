import { useState } from 'preact/hooks';
import { callApi, consoleApi, json, usePoll } from './api';
import { Head } from './head';
import type { DevUser } from './user';

interface Job {
  jobId?: string;
  owner?: string;
  status?: string;
  attempts?: number;
  createdAt?: string;
  updatedAt?: string;
  error?: unknown;
}

interface Depth {
  visible: number;
  inFlight: number;
}

export function JobsView({ user }: { user: DevUser | null }) {
  const [data, error] = usePoll(() => consoleApi<{ items: Job[]; queues: { jobs: Depth; dlq: Depth } }>('/jobs'), 1000);
  const [prompt, setPrompt] = useState('Summarize the catalog in three lines');
  const [note, setNote] = useState<string | null>(null);
  const submit = async (event: Event) => {
    event.preventDefault();
    if (!user) return;
    const answer = await callApi<{ jobId?: string; detail?: string }>(user.token, 'POST', '/jobs', { prompt });
    setNote(answer.status === 202 ? `job ${answer.body.jobId} queued` : `${answer.status} ${answer.body.detail ?? ''}`);
  };
  const redrive = async () => {
    const { moved } = await consoleApi<{ moved: number }>('/jobs/redrive', { method: 'POST', body: {} });
    setNote(`${moved} message(s) moved from the DLQ back to the jobs queue`);
  };
  return (
    <section>
      <div class="cards">
        <div class="card" data-testid="queue-jobs">
          <h3>jobs queue</h3>
          <p>
            <b>{data?.queues.jobs.visible ?? '–'}</b> waiting · <b>{data?.queues.jobs.inFlight ?? '–'}</b> in flight
          </p>
        </div>
        <div class="card" data-testid="queue-dlq">
          <h3>dead-letter queue</h3>
          <p>
            <b>{data?.queues.dlq.visible ?? '–'}</b> messages{' '}
            <button type="button" onClick={redrive} disabled={!data || data.queues.dlq.visible === 0}>
              Redrive to the jobs queue
            </button>
          </p>
        </div>
      </div>
      <form class="toolbar" onSubmit={submit}>
        <input name="prompt" value={prompt} onInput={(e) => setPrompt(e.currentTarget.value)} size={50} />
        <button type="submit" disabled={!user}>
          Submit a job as {user?.sub ?? '…'}
        </button>
        {note ? <span class="muted">{note}</span> : null}
      </form>
      {error ? <p class="error">{error}</p> : null}
      <table class="jobs">
        <Head columns={['job', 'owner', 'status', 'attempts', 'created', 'updated', 'error']} />
        <tbody>
          {(data?.items ?? []).map((job) => (
            <tr key={job.jobId} data-job-id={job.jobId}>
              <td class="mono">{job.jobId}</td>
              <td>{job.owner}</td>
              <td>
                <span class={`badge ${job.status}`}>{job.status}</span>
              </td>
              <td>{job.attempts}</td>
              <td>{job.createdAt}</td>
              <td>{job.updatedAt}</td>
              <td>{job.error ? <pre>{json(job.error)}</pre> : ''}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
