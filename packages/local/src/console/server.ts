import { GetQueueAttributesCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { type DynamoDBDocumentClient, QueryCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import type { Clock } from '@toolgate/core/clock';
import { keys, PARTITION, USER_ITEM } from '@toolgate/core/data/keys';
import {
  type FieldIssue,
  ForbiddenError,
  isToolgateError,
  NotFoundError,
  type ToolgateError,
  toProblem,
  ValidationError,
} from '@toolgate/core/errors';
import { PLANS, PlanSchema } from '@toolgate/core/plans';
import { ALL_SCOPES } from '@toolgate/core/scopes';
import { createUsersRepository } from '@toolgate/core/users/aws/repository';
import * as z from '@toolgate/core/zod';
import { type Context, Hono } from 'hono';
import type { ExecutionRecord, StepFunctionsEmulator } from '../emulators/stepfunctions';
import type { TierConcurrency } from '../gateway/server';
import type { TokenMinter } from '../issuer';
import type { QueueUrls } from '../resources/provision';
import { consoleAssets } from './assets';
import { createFloodRunner } from './flood-run';
import type { ConsoleRecorder } from './recorder';
import { redriveDlq } from './redrive';

/** The console's path on the local gateway's port. Not a manifest route: never deployed, not in /openapi.json. */
export const CONSOLE_PATH = '/_console';

export interface ConsoleDeps {
  clock: Clock;
  recorder: ConsoleRecorder;
  issuer: TokenMinter;
  doc: DynamoDBDocumentClient;
  tableName: string;
  sqs: SQSClient;
  queueUrls: QueueUrls;
  workflows: StepFunctionsEmulator;
  /** The gateway's URL, known once it listens. */
  apiUrl: () => string;
  /** The local S3's origin: the page posts upload forms there (its CSP allows exactly that origin). */
  s3Origin: string;
  concurrency: () => TierConcurrency;
}

const PROBLEM = 'application/problem+json';

function problem(c: Context, error: ToolgateError): Response {
  return c.body(JSON.stringify(toProblem(error, c.req.path)), error.status as 400, { 'content-type': PROBLEM });
}

function parse<S extends z.core.$ZodType>(schema: S, input: unknown, source: 'body' | 'query' | 'path'): z.output<S> {
  const result = z.safeParse(schema, input);
  if (result.success) return result.data;
  const issues: FieldIssue[] = result.error.issues.map((issue) => ({
    field: [source, ...issue.path.map(String)].join('.'),
    message: issue.message,
  }));
  throw new ValidationError(issues);
}

async function jsonBody(c: Context): Promise<unknown> {
  if (!/^application\/json\b/i.test(c.req.header('content-type') ?? '')) {
    throw new ValidationError([{ field: 'header.content-type', message: 'must be application/json' }]);
  }
  try {
    return await c.req.json();
  } catch {
    throw new ValidationError([{ field: 'body', message: 'must be a JSON document' }]);
  }
}

const LOOPBACK_ADDRESS = /^(?:127\.\d+\.\d+\.\d+|::1|::ffff:127\.\d+\.\d+\.\d+)$/;
const LOOPBACK_HOST = /^(?:localhost|127\.\d+\.\d+\.\d+|\[::1\])(?::\d+)?$/i;

const SubSchema = z.string().check(z.regex(/^[A-Za-z0-9_.@-]{1,64}$/, 'letters, digits, _ . @ - (1 to 64)'));
const TokenRequestSchema = z.strictObject({
  sub: SubSchema,
  scopes: z.array(z.enum(ALL_SCOPES as [string, ...string[]])).check(z.minLength(1), z.maxLength(ALL_SCOPES.length)),
  plan: PlanSchema,
});
const SubQuerySchema = z.object({ sub: SubSchema });
const SinceSchema = z.object({ since: z.optional(z.coerce.number().check(z.int(), z.nonnegative())) });
const RequestIdSchema = z.string().check(z.regex(/^[A-Za-z0-9+/=_.:-]{1,128}$/));
const ExecutionNameSchema = z.string().check(z.regex(/^[A-Za-z0-9_-]{1,80}$/));

const s = (value: unknown) => (typeof value === 'string' ? value : undefined);
const n = (value: unknown) => (typeof value === 'number' ? value : undefined);

async function scanAll(doc: DynamoDBDocumentClient, tableName: string, filter: string, prefix: string) {
  const items: Record<string, unknown>[] = [];
  let start: Record<string, unknown> | undefined;
  do {
    const page = await doc.send(
      new ScanCommand({
        TableName: tableName,
        FilterExpression: `begins_with(${filter}, :prefix)`,
        ExpressionAttributeValues: { ':prefix': prefix },
        ...(start ? { ExclusiveStartKey: start } : {}),
      }),
    );
    items.push(...((page.Items ?? []) as Record<string, unknown>[]));
    start = page.LastEvaluatedKey;
  } while (start && items.length < 1_000);
  return items;
}

function executionView(record: ExecutionRecord) {
  return {
    name: record.name,
    status: record.status,
    startDate: record.startDate.getTime(),
    ...(record.stopDate ? { stopDate: record.stopDate.getTime() } : {}),
    ...(record.error ? { error: record.error } : {}),
    ...(record.cause ? { cause: record.cause } : {}),
    history: record.history.filter((event) => event.state !== undefined),
  };
}

async function queueDepth(sqs: SQSClient, url: string) {
  const { Attributes = {} } = await sqs.send(
    new GetQueueAttributesCommand({
      QueueUrl: url,
      AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
    }),
  );
  return {
    visible: Number(Attributes.ApproximateNumberOfMessages ?? 0),
    inFlight: Number(Attributes.ApproximateNumberOfMessagesNotVisible ?? 0),
  };
}

/** The console: its page, its script and a small JSON API, all under `/_console`, answered only on loopback. */
export function createConsoleApp(deps: ConsoleDeps, assets = consoleAssets()): Hono {
  // Not strict: /_console/ is the page too.
  const app = new Hono({ strict: false }).basePath(CONSOLE_PATH);
  const users = createUsersRepository(deps.doc, deps.tableName);
  const flood = createFloodRunner({ url: deps.apiUrl, issuer: deps.issuer, clock: deps.clock });

  app.onError((error, c) => {
    if (isToolgateError(error)) return problem(c, error);
    process.stderr.write(`console: ${c.req.method} ${c.req.path} failed: ${error.message}\n`);
    return c.body(JSON.stringify({ type: 'about:blank', title: 'Internal Server Error', status: 500 }), 500, {
      'content-type': PROBLEM,
    });
  });
  app.notFound((c) => problem(c, new NotFoundError('No such console resource.')));

  // The console mints tokens: only this machine may use it, and only pages it served (DNS rebinding, CSRF).
  app.use('*', async (c, next) => {
    const incoming = (c.env as { incoming?: { socket?: { remoteAddress?: string } } } | undefined)?.incoming;
    const remote = incoming?.socket?.remoteAddress ?? '';
    const host = c.req.header('host') ?? '';
    if (!LOOPBACK_ADDRESS.test(remote) || !LOOPBACK_HOST.test(host)) {
      return problem(c, new ForbiddenError('The console answers on loopback only (http://localhost or 127.0.0.1).'));
    }
    const origin = c.req.header('origin');
    if (c.req.method !== 'GET' && c.req.method !== 'HEAD' && origin !== undefined && origin !== `http://${host}`) {
      return problem(c, new ForbiddenError('The console API takes requests from its own page only.'));
    }
    await next();
    c.header('x-content-type-options', 'nosniff');
    c.header('cache-control', 'no-store');
    c.header('referrer-policy', 'no-referrer');
  });

  app.get('/', (c) => {
    c.header(
      'content-security-policy',
      `default-src 'self'; connect-src 'self' ${deps.s3Origin}; img-src 'self' data:; style-src 'self'; ` +
        `script-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'none'`,
    );
    return c.html(assets.html());
  });
  app.get('/app.js', async (c) =>
    c.body(await assets.script(), 200, { 'content-type': 'text/javascript; charset=utf-8' }),
  );
  app.get('/app.css', async (c) => c.body(await assets.style(), 200, { 'content-type': 'text/css; charset=utf-8' }));

  app.get('/api/info', (c) =>
    c.json({ apiUrl: deps.apiUrl(), scopes: ALL_SCOPES, plans: PLANS, tiers: deps.concurrency() }),
  );

  app.post('/api/tokens', async (c) => {
    const request = parse(TokenRequestSchema, await jsonBody(c), 'body');
    // As `pnpm token --plan` does: the plan is recorded for the user, never a claim the API trusts.
    await users.setPlan(request.sub, request.plan);
    const token = await deps.issuer.mintAccessToken({ sub: request.sub, scopes: request.scopes });
    return c.json({ token, sub: request.sub, scopes: request.scopes, plan: request.plan }, 201);
  });

  app.get('/api/conversations', async (c) => {
    const { sub } = parse(SubQuerySchema, c.req.query(), 'query');
    // The API has no list route; the console reads the user's partition, as only a local tool may.
    const { pk, sk } = keys.conversation(sub, '');
    const { Items = [] } = await deps.doc.send(
      new QueryCommand({
        TableName: deps.tableName,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :sk)',
        ExpressionAttributeValues: { ':pk': pk, ':sk': sk },
      }),
    );
    const items = Items.map((item) => {
      const messages = Array.isArray(item.messages) ? (item.messages as { role?: unknown; content?: unknown }[]) : [];
      const first = messages.find((message) => message.role === 'user');
      return {
        conversationId: String(item.sk).slice(sk.length),
        createdAt: s(item.createdAt),
        updatedAt: s(item.updatedAt),
        title: typeof first?.content === 'string' ? first.content.slice(0, 60) : '',
        messages: messages.length,
      };
    }).sort((a, b) => (b.updatedAt ?? '').localeCompare(a.updatedAt ?? ''));
    return c.json({ items });
  });

  app.get('/api/requests', (c) => {
    const { since = 0 } = parse(SinceSchema, c.req.query(), 'query');
    return c.json({ items: deps.recorder.requestsSince(since) });
  });
  app.get('/api/requests/:id/logs', (c) => {
    const id = parse(RequestIdSchema, c.req.param('id'), 'path');
    return c.json({ requestId: id, lines: deps.recorder.linesOf(id) });
  });

  app.get('/api/uploads', async (c) => {
    const items = await scanAll(deps.doc, deps.tableName, 'sk', USER_ITEM.upload);
    const executions = new Map(deps.workflows.executions().map((record) => [record.name, record]));
    const uploads = items
      .map((item) => {
        const id = s(item.id) ?? '';
        const execution = executions.get(id);
        return {
          id,
          sub: s(item.sub),
          filename: s(item.filename),
          contentType: s(item.contentType),
          size: n(item.size),
          status: s(item.status),
          createdAt: s(item.createdAt),
          updatedAt: s(item.updatedAt),
          correlationId: s(item.correlationId),
          error: s(item.error),
          summary: s(item.summary),
          execution: execution ? executionView(execution) : null,
        };
      })
      .sort((a, b) => (b.createdAt ?? '').localeCompare(a.createdAt ?? ''));
    return c.json({ items: uploads });
  });
  app.get('/api/executions/:name', (c) => {
    const name = parse(ExecutionNameSchema, c.req.param('name'), 'path');
    const record = deps.workflows.executions().find((execution) => execution.name === name);
    if (!record) throw new NotFoundError(`No execution named ${name}.`);
    return c.json(executionView(record));
  });

  app.get('/api/jobs', async (c) => {
    const [items, jobs, dlq] = await Promise.all([
      scanAll(deps.doc, deps.tableName, 'pk', PARTITION.job),
      queueDepth(deps.sqs, deps.queueUrls.jobs),
      queueDepth(deps.sqs, deps.queueUrls.jobsDlq),
    ]);
    const list = items
      .map((item) => ({
        jobId: s(item.jobId),
        owner: s(item.owner),
        status: s(item.status),
        attempts: n(item.attempts),
        createdAt: s(item.createdAt),
        updatedAt: s(item.updatedAt),
        correlationId: s(item.correlationId),
        error: (item.error ?? item.lastError ?? null) as unknown,
      }))
      .sort((a, b) => (b.createdAt ?? '').localeCompare(a.createdAt ?? ''));
    return c.json({ items: list, queues: { jobs, dlq } });
  });
  app.post('/api/jobs/redrive', async (c) => {
    const moved = await redriveDlq(deps.sqs, deps.queueUrls);
    return c.json({ moved });
  });

  app.get('/api/tiers', (c) => c.json({ ...deps.recorder.series(), flood: flood.current() }));
  app.post('/api/flood', (c) => {
    const run = flood.start();
    if (!run) return c.json(flood.current(), 409);
    return c.json(run, 202);
  });

  return app;
}
