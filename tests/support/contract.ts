import type { ObservedResponse } from '@toolgate/local/gateway/types';
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { createParser, type EventSourceMessage } from 'eventsource-parser';

/**
 * The OpenAPI document checked against behaviour (issue 20): every answer the local gateway writes during the
 * end-to-end suites is looked up in the document — operation by the matched route, response by status, media type
 * by Content-Type — and a JSON body is validated against its schema. A difference is a mismatch, and
 * `contract-setup.ts` fails the test file that saw one. So the document cannot drift from what the server does.
 *
 * Schemas are validated by Ajv's JSON Schema 2020-12 dialect (the dialect of OpenAPI 3.1) with ajv-formats; the
 * OpenAPI 3.0-era response validators (openapi-response-validator and friends) speak draft-04 and misread 3.1.
 */

type Json = Record<string, unknown>;
interface MediaType {
  schema?: Json;
}
interface Response {
  $ref?: string;
  content?: Record<string, MediaType>;
}
interface Operation {
  responses: Record<string, Response>;
}
export interface OpenApiDocument {
  paths: Record<string, Record<string, Operation>>;
  components?: { schemas?: Record<string, Json>; responses?: Record<string, Response> };
  /** The gateway's answers to a request that matches no route (no operation can describe them), by status. */
  'x-toolgate-no-route'?: Record<string, Response>;
}

const COMPONENTS_ID = 'urn:toolgate:openapi-components';

/** `#/components/schemas/X` refs, pointed at the components registered with Ajv under their own id. */
function pointAtRegistered(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(pointAtRegistered);
  if (typeof value !== 'object' || value === null) return value;
  return Object.fromEntries(
    Object.entries(value).map(([key, inner]) =>
      key === '$ref' && typeof inner === 'string' && inner.startsWith('#/components/schemas/')
        ? [key, `${COMPONENTS_ID}#/$defs/${inner.slice('#/components/schemas/'.length)}`]
        : [key, pointAtRegistered(inner)],
    ),
  );
}

const isJson = (mediaType: string) => mediaType === 'application/json' || mediaType.endsWith('+json');
const EVENT_STREAM = 'text/event-stream';

/**
 * A Server-Sent Events body as the items its schema describes: `{ event, data }` per event, `data` parsed as JSON
 * (OpenAPI 3.2's `itemSchema` convention, which toolgate writes as the media type's schema). Parsed by the same
 * library a client would use.
 */
export function eventStreamItems(body: string): { items: { event: string; data: unknown }[]; errors: string[] } {
  const items: { event: string; data: unknown }[] = [];
  const errors: string[] = [];
  const parser = createParser({
    onEvent: (message: EventSourceMessage) => {
      try {
        items.push({ event: message.event ?? 'message', data: JSON.parse(message.data) });
      } catch {
        errors.push(`event ${message.event ?? 'message'} has data that is not JSON: ${message.data.slice(0, 120)}`);
      }
    },
    onError: (error) => errors.push(`not a valid event stream: ${error.message}`),
  });
  parser.feed(body);
  return { items, errors };
}

function headerValue(headers: ObservedResponse['headers'], name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}

export interface ContractChecker {
  /** The mismatches of one answer, each a sentence; empty when the document describes it. */
  check(response: ObservedResponse): string[];
}

export function createContractChecker(document: OpenApiDocument): ContractChecker {
  const ajv = new Ajv2020({ allErrors: true, strict: true, strictTypes: false });
  addFormats.default(ajv);
  // OpenAPI's annotation keywords, which JSON Schema 2020-12 does not define.
  ajv.addVocabulary(['example', 'discriminator', 'xml', 'externalDocs']);
  ajv.addSchema({ $id: COMPONENTS_ID, $defs: pointAtRegistered(document.components?.schemas ?? {}) });
  const compiled = new Map<string, ValidateFunction>();

  const resolve = (response: Response): Response => {
    if (!response.$ref) return response;
    const name = response.$ref.replace('#/components/responses/', '');
    const target = document.components?.responses?.[name];
    if (!target) throw new Error(`The document refers to a missing response ${response.$ref}`);
    return target;
  };

  const validatorOf = (key: string, schema: Json) => {
    let validate = compiled.get(key);
    if (!validate) {
      validate = ajv.compile(pointAtRegistered(schema) as Json);
      compiled.set(key, validate);
    }
    return validate;
  };

  return {
    check(observed) {
      if (observed.preflight) return [];
      const where = `${observed.method} ${observed.path} → ${observed.status}`;
      let responses: Record<string, Response>;
      let operationKey: string;
      if (observed.routeKey === null) {
        responses = document['x-toolgate-no-route'] ?? {};
        operationKey = 'no-route';
      } else {
        const space = observed.routeKey.indexOf(' ');
        const method = observed.routeKey.slice(0, space).toLowerCase();
        const path = observed.routeKey.slice(space + 1);
        const operation = document.paths[path]?.[method];
        if (!operation) return [`${where}: the route ${observed.routeKey} is not in the document`];
        responses = operation.responses;
        operationKey = observed.routeKey;
      }

      const status = String(observed.status);
      const declared = responses[status] ?? responses[`${status[0]}XX`] ?? responses.default;
      if (!declared) return [`${where}: status ${status} is not documented (documented: ${Object.keys(responses)})`];
      const response = resolve(declared);

      const contentType = headerValue(observed.headers, 'content-type');
      const mediaType = contentType?.split(';')[0]?.trim().toLowerCase();
      if (!response.content || Object.keys(response.content).length === 0) {
        return observed.body.length === 0
          ? []
          : [`${where}: documented without a body, but answered ${observed.body.length} bytes of ${contentType}`];
      }
      const media = mediaType ? response.content[mediaType] : undefined;
      if (!mediaType || !media) {
        return [
          `${where}: Content-Type ${contentType ?? '(none)'} is not documented (documented: ${Object.keys(response.content)})`,
        ];
      }
      if (mediaType === EVENT_STREAM && media.schema) {
        const validate = validatorOf(`${operationKey}|${status}|${mediaType}`, media.schema);
        const { items, errors } = eventStreamItems(observed.body.toString('utf8'));
        if (items.length === 0) errors.push('an event stream without a single event');
        for (const [index, item] of items.entries()) {
          const valid: boolean = validate(item);
          if (valid) continue;
          const why = (validate.errors ?? []).map((error) => `${error.instancePath || '/'} ${error.message}`);
          errors.push(`event ${index} (${item.event}) does not match the documented schema: ${why.join('; ')}`);
        }
        return errors.map((error) => `${where}: ${error}`);
      }
      // Pages (text/html) are checked for their status and media type only.
      if (!isJson(mediaType) || !media.schema) return [];

      let body: unknown;
      try {
        body = JSON.parse(observed.body.toString('utf8'));
      } catch {
        return [`${where}: the ${mediaType} body is not JSON: ${observed.body.toString('utf8').slice(0, 120)}`];
      }
      const validate = validatorOf(`${operationKey}|${status}|${mediaType}`, media.schema);
      if (validate(body)) return [];
      const errors = (validate.errors ?? []).map((error) => `${error.instancePath || '/'} ${error.message}`);
      return [`${where}: the body does not match the documented schema: ${errors.join('; ')}`];
    },
  };
}

/** What one test file's runtime answered, as judged by the document. */
export const contractTally = { checked: 0, mismatches: [] as string[] };

let checker: ContractChecker | undefined;

/**
 * The gateway observer the end-to-end runtimes install (`tests/support/runtime.ts`). The document is the one the
 * generator builds, which a unit test keeps equal to the committed and served `openapi.json`.
 */
export async function contractObserver(): Promise<(response: ObservedResponse) => void> {
  if (!checker) {
    const { buildOpenApiDocument } = await import('@toolgate/functions/openapi/document');
    checker = createContractChecker(buildOpenApiDocument() as unknown as OpenApiDocument);
  }
  const active = checker;
  return (response) => {
    if (response.preflight) return;
    contractTally.checked += 1;
    try {
      contractTally.mismatches.push(...active.check(response));
    } catch (error) {
      // The gateway swallows an observer's error; a schema the validator cannot compile must fail the file instead.
      const reason = error instanceof Error ? error.message : String(error);
      contractTally.mismatches.push(`${response.method} ${response.path} → ${response.status}: not checked: ${reason}`);
    }
  };
}
