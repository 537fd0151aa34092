import { ALL_SCOPES } from '@toolgate/core/scopes';
import { afterAll, describe, expect, it } from 'vitest';
import { captureProcessOutput } from './support/output-capture';
import { apiCaller, generousPlans, until, useLocalRuntime } from './support/runtime';
import { postToS3 } from './support/uploads';

/**
 * One correlation id end to end (issue 23): the gateway request id of `POST /jobs` or `POST /uploads/{id}/complete`
 * is on every log line of the job's worker run and of every ingestion step, and the job and upload views show it.
 * Read from what the runtime's handlers really log (stdout, as Lambda ships it to CloudWatch).
 */

// Read by the handlers' loggers when the runtime imports them (the suite default is SILENT).
const previous = {
  POWERTOOLS_LOG_LEVEL: process.env.POWERTOOLS_LOG_LEVEL,
  TOOLGATE_LIMITS: process.env.TOOLGATE_LIMITS,
};
process.env.POWERTOOLS_LOG_LEVEL = 'DEBUG';
// The tests poll their job and uploads every 50 ms: more than the free plan's 60 requests a minute.
process.env.TOOLGATE_LIMITS = JSON.stringify({
  plans: generousPlans(10_000_000),
});

const captured = captureProcessOutput();
afterAll(() => {
  for (const [name, value] of Object.entries(previous)) {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
});

/** Every JSON log line captured so far. */
function logLines(): Record<string, unknown>[] {
  return captured
    .join('')
    .split('\n')
    .flatMap((line) => {
      try {
        const parsed = JSON.parse(line) as unknown;
        return parsed && typeof parsed === 'object' ? [parsed as Record<string, unknown>] : [];
      } catch {
        return [];
      }
    });
}

const runtime = useLocalRuntime({ workflowRetryIntervalMs: 5 });
const call = apiCaller(runtime);

/** The id API Gateway gave the request (it answers it as `apigw-requestid`, and hands it to the Lambda). */
function gatewayRequestId(answer: { headers: Headers }): string {
  const id = answer.headers.get('apigw-requestid');
  expect(id).toBeTruthy();
  return id as string;
}

async function uploadAndComplete(token: string, contentType: string, filename: string, body: string) {
  const created = await call(token, 'POST', '/uploads', { filename, contentType, size: Buffer.byteLength(body) });
  expect(created.status).toBe(201);
  expect((await postToS3(created.body.post, body, contentType, filename)).status).toBe(204);
  const completed = await call(token, 'POST', `/uploads/${created.body.id}/complete`);
  expect(completed.status).toBe(202);
  const done = await until(
    () => call(token, 'GET', `/uploads/${created.body.id}`),
    (answer) => ['READY', 'FAILED'].includes(answer.body.status),
  );
  return { id: created.body.id as string, completed, done };
}

/** The steps tier's lines about one upload, once its last step has logged. */
async function stepLines(uploadId: string, last: string) {
  await until(
    async () => logLines(),
    (lines) => lines.some((line) => line.tier === 'steps' && line.uploadId === uploadId && line.step === last),
  );
  return logLines().filter((line) => line.tier === 'steps' && line.uploadId === uploadId);
}

describe('one correlation id end to end', () => {
  it('a job: POST /jobs request id on the job, on its message, and on every line of its worker run', async () => {
    const token = await runtime().issuer.mintAccessToken({ sub: `corr-${crypto.randomUUID()}`, scopes: ALL_SCOPES });
    // A client cannot choose it: a header claiming one is ignored.
    const submitted = await call(
      token,
      'POST',
      '/jobs',
      { prompt: 'find the cheapest gpu' },
      { 'x-correlation-id': 'chosen-by-client', 'x-request-id': 'chosen-by-client' },
    );
    expect(submitted.status).toBe(202);
    const requestId = gatewayRequestId(submitted);
    expect(submitted.body.correlationId).toBe(requestId);
    const jobId = submitted.body.jobId as string;
    const done = await until(
      () => call(token, 'GET', `/jobs/${jobId}`),
      (answer) => ['SUCCEEDED', 'FAILED'].includes(answer.body.status),
    );
    expect(done.body).toMatchObject({ status: 'SUCCEEDED', correlationId: requestId });
    const listed = await call(token, 'GET', '/jobs');
    expect(listed.body.items[0]).toMatchObject({ jobId, correlationId: requestId });

    await until(
      async () => logLines(),
      (lines) => lines.some((line) => line.tier === 'worker' && line.message === 'job succeeded'),
    );
    const lines = logLines();
    const worker = lines.filter((line) => line.tier === 'worker');
    expect(worker.map((line) => line.message)).toEqual(expect.arrayContaining(['job started', 'job succeeded']));
    for (const line of worker) {
      expect(line, String(line.message)).toMatchObject({
        correlation_id: requestId,
        function_request_id: expect.any(String),
      });
      // The Lambda invocation has its own id; the correlation id is the request that created the job.
      expect(line.function_request_id).not.toBe(requestId);
    }
    const submission = lines.filter((line) => line.tier === 'api' && line.requestId === requestId);
    expect(submission.map((line) => line.message)).toEqual(expect.arrayContaining(['job submitted', 'request']));
    for (const line of submission) expect(line.correlation_id).toBe(requestId);
    expect(JSON.stringify(lines)).not.toContain('chosen-by-client');
  }, 60_000);

  it('an upload: the complete request id on the upload and on every ingestion step line', async () => {
    const token = await runtime().issuer.mintAccessToken({ sub: `corr-${crypto.randomUUID()}`, scopes: ALL_SCOPES });
    const text = 'Invoice 42: the GPU hours of November. Total due 120 USD.\n';
    const { id, completed, done } = await uploadAndComplete(token, 'text/plain', 'invoice.txt', text);
    const requestId = gatewayRequestId(completed);
    expect(completed.body.correlationId).toBe(requestId);
    expect(done.body).toMatchObject({ status: 'READY', correlationId: requestId });

    const lines = await stepLines(id, 'markReady');
    expect(lines.map((line) => line.step)).toEqual(['validate', 'extractText', 'summarize', 'store', 'markReady']);
    for (const line of lines) {
      expect(line, String(line.step)).toMatchObject({
        correlation_id: requestId,
        function_request_id: expect.any(String),
      });
    }
    // A repeated complete (another request) reports the ingestion the first one started, with the first one's id.
    const again = await call(token, 'POST', `/uploads/${id}/complete`);
    expect(again.body.correlationId).toBe(requestId);
    expect(gatewayRequestId(again)).not.toBe(requestId);
  }, 60_000);

  it('a failed ingestion: `step failed` carries the upload id, the error and its cause, and the correlation id', async () => {
    const token = await runtime().issuer.mintAccessToken({ sub: `corr-${crypto.randomUUID()}`, scopes: ALL_SCOPES });
    const { id, completed, done } = await uploadAndComplete(token, 'application/json', 'broken.json', '{"not json');
    const requestId = gatewayRequestId(completed);
    expect(done.body).toMatchObject({ status: 'FAILED', correlationId: requestId });

    const lines = await stepLines(id, 'markFailed');
    const failed = lines.find((line) => line.message === 'step failed');
    expect(failed).toMatchObject({
      level: 'WARN',
      step: 'extractText',
      uploadId: id,
      correlation_id: requestId,
      error: { name: 'DocumentRejected', message: 'The file is not valid JSON.' },
      // The parser's own message may quote the document: its name only.
      cause: { name: 'SyntaxError' },
    });
    expect(JSON.stringify(failed)).not.toContain('not json');
    for (const line of lines) expect(line.correlation_id, String(line.message)).toBe(requestId);
  }, 60_000);
});
