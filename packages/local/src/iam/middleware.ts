import { AsyncLocalStorage } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import type { IamStatement } from '@toolgate/core/deploy/access';
import { bucketArn, iamRequestsFor, type Partitioned } from './actions';
import { evaluate, type IamRequest } from './evaluate';

/**
 * The local IAM check as AWS SDK middleware. Each call a tier's code makes is attributed to the tier through an
 * AsyncLocalStorage entered where the local runtime invokes that tier (gateway, queue poller, Step Functions
 * emulator), evaluated against the tier's deployed statements, and, when denied, answered with the HTTP response
 * AWS sends — so the SDK's own deserializer builds the error, with AWS's name, status and message, and toolgate's
 * error mapping handles exactly what it will handle deployed.
 */

/** Who is calling: one tier's execution role, as the local runtime plays it. */
export interface LocalIdentity {
  /** `arn:aws:sts::<account>:assumed-role/<role>/<session>`, as AWS names the caller in its denials. */
  principalArn: string;
  statements: readonly IamStatement[];
}

const current = new AsyncLocalStorage<LocalIdentity>();

/** Runs `fn` (and everything it starts) as `identity`. */
export function runAs<T>(identity: LocalIdentity, fn: () => T): T {
  return current.run(identity, fn);
}

/** The identity of the code running now, if a tier is running it. */
export const currentIdentity = (): LocalIdentity | undefined => current.getStore();

/** AWS's wording for a request no identity-based policy allows. */
export function denialMessage(identity: LocalIdentity, request: IamRequest, clientName?: string): string {
  // S3 quotes the resource; SQS writes the action in lower case.
  const resource = clientName === 'S3Client' ? `"${request.resource}"` : request.resource;
  const action = clientName === 'SQSClient' ? request.action.toLowerCase() : request.action;
  return (
    `User: ${identity.principalArn} is not authorized to perform: ${action} on resource: ${resource} ` +
    `because no identity-based policy allows the ${action} action`
  );
}

interface RawResponse {
  statusCode: number;
  headers: Record<string, string>;
  body: Readable;
}

function response(statusCode: number, headers: Record<string, string>, body: string): RawResponse {
  const requestId = randomUUID();
  return {
    statusCode,
    headers: {
      'x-amzn-requestid': requestId,
      'x-amz-request-id': requestId,
      'content-length': String(Buffer.byteLength(body)),
      ...headers,
    },
    body: Readable.from(body ? [Buffer.from(body)] : []),
  };
}

/** S3's REST-XML error; a HEAD response carries no body, so the SDK names its error after the status alone. */
function s3Error(method: string, code: string, message: string): RawResponse {
  if (method === 'HEAD') return response(403, {}, '');
  const body =
    `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${escapeXml(message)}</Message>` +
    `<RequestId>${randomUUID()}</RequestId><HostId>local</HostId></Error>`;
  return response(403, { 'content-type': 'application/xml' }, body);
}

const escapeXml = (text: string) =>
  text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** The response AWS sends when the caller's policies do not allow `request`, per service protocol. */
export function accessDenied(clientName: string, method: string, message: string): RawResponse {
  const json = (status: number, type: string, extra: Record<string, string> = {}) =>
    response(
      status,
      { 'content-type': 'application/x-amz-json-1.0', ...extra },
      JSON.stringify({ __type: type, message, Message: message }),
    );
  switch (clientName) {
    case 'S3Client':
      return s3Error(method, 'AccessDenied', message);
    case 'DynamoDBClient':
      return json(400, 'com.amazon.coral.service#AccessDeniedException');
    case 'SQSClient':
      // SQS speaks JSON but keeps its query-protocol error codes in this header, and the SDK names errors after it.
      return json(403, 'com.amazon.coral.service#AccessDeniedException', {
        'x-amzn-query-error': 'AccessDenied;Sender',
      });
    case 'SFNClient':
      return json(400, 'com.amazonaws.swf.base.model#AccessDeniedException');
    case 'BedrockRuntimeClient':
      return response(
        403,
        { 'content-type': 'application/json', 'x-amzn-errortype': 'AccessDeniedException' },
        JSON.stringify({ message }),
      );
    default:
      throw new Error(`No access-denied response for ${clientName}`);
  }
}

const S3_READS = new Set(['HeadObjectCommand', 'GetObjectCommand']);

/**
 * S3 tells a caller that a key does not exist (404) only if the caller could have listed the bucket; otherwise it
 * answers 403, so that a denied caller learns nothing about which keys exist. The ListBucket check uses the
 * read's own request context, which has no `s3:prefix`: a ListBucket grant conditioned on a prefix does not count.
 */
function hidesMissingKey(identity: LocalIdentity, input: Record<string, unknown>): boolean {
  return (
    evaluate(identity.statements, { action: 's3:ListBucket', resource: bucketArn(String(input.Bucket)) }) !== 'Allowed'
  );
}

// Minimal smithy shapes, so that this module needs no direct dependency on @smithy/types.
type Next = (args: {
  input: Record<string, unknown>;
  request: unknown;
}) => Promise<{ response: unknown; output?: unknown }>;
interface HandlerContext {
  clientName?: string;
  commandName?: string;
}
interface Stack {
  add(
    middleware: (next: Next, context: HandlerContext) => Next,
    options: { step: 'deserialize'; priority: 'low'; name: string; override?: boolean },
  ): void;
}

/**
 * The plugin core's client factories receive through `withClientPlugins`. It sits below the deserializer (`low`
 * priority in the `deserialize` step), where it sees the raw HTTP exchange: a denial never reaches the emulator,
 * and its synthesized response is parsed by the SDK exactly as AWS's would be. Calls made outside any tier (the
 * runtime's own provisioning and seeding, tests' direct reads) play the developer's credentials and pass. A client
 * that only ever acts for one role (the queue poller, playing the worker's event source mapping) is given that
 * identity instead.
 */
export function localIamPlugin(where: Partitioned, fixedIdentity?: LocalIdentity) {
  return {
    applyToStack(stack: Stack) {
      stack.add(
        (next, context) => async (args) => {
          const identity = fixedIdentity ?? current.getStore();
          if (!identity) return next(args);
          const clientName = context.clientName ?? '';
          const commandName = context.commandName ?? '';
          const method = (args.request as { method?: string }).method ?? 'POST';
          for (const request of iamRequestsFor(clientName, commandName, args.input, where)) {
            if (evaluate(identity.statements, request) !== 'Allowed') {
              return {
                response: accessDenied(clientName, method, denialMessage(identity, request, clientName)),
              };
            }
          }
          const result = await next(args);
          const status = (result.response as { statusCode?: number }).statusCode;
          if (
            clientName === 'S3Client' &&
            status === 404 &&
            S3_READS.has(commandName) &&
            hidesMissingKey(identity, args.input)
          ) {
            // Drain the emulator's 404 body before replacing it.
            const body = (result.response as { body?: Readable }).body;
            body?.resume?.();
            return { response: s3Error(method, 'AccessDenied', 'Access Denied') };
          }
          return result;
        },
        { step: 'deserialize', priority: 'low', name: 'toolgateLocalIam', override: true },
      );
    },
  };
}
