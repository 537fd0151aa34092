import type { S3ErrorAnswer } from './s3-error';
import { parseCredential, postSignature, signaturesMatch } from './sigv4-post';

/**
 * S3's verdict on a browser-based upload (POST Object with a SigV4-signed policy), as AWS documents it in
 * "Browser-Based Uploads Using POST (AWS Signature Version 4)" and "Creating a POST Policy": the signature over
 * the base64 policy, its expiration, every condition, no form field left uncovered, and the file's size. s3rver
 * checks none of it, so the local S3 front asks this before handing a form on.
 */

export interface PostPolicyForm {
  /** The form fields before the file, in order, names as sent: S3 ignores whatever follows the file. */
  fields: readonly (readonly [string, string])[];
  /** The file's size in bytes; null when the form carries no `file`. */
  fileSize: number | null;
}

export interface PostPolicyContext {
  /** The bucket the form was posted to (from the URL: that is where S3 stores the object). */
  bucket: string;
  /** The region the bucket lives in; a credential scoped to another is refused. */
  region: string;
  /** Secret access keys by access key id: whoever may sign a policy for this S3. */
  secrets: ReadonlyMap<string, string>;
  /** Epoch milliseconds. */
  now: number;
}

/** S3's own ceiling for a POST Object, with or without a policy. */
export const MAX_POST_OBJECT_BYTES = 5 * 1024 ** 3;

const ALGORITHM = 'AWS4-HMAC-SHA256';
const SIGV4_FIELDS = ['X-Amz-Signature', 'X-Amz-Algorithm', 'X-Amz-Credential', 'X-Amz-Date'] as const;
/** Fields a policy need not mention (the docs' list, plus the file itself). */
const UNCOVERED_ALLOWED = new Set(['x-amz-signature', 'policy', 'file']);
/** The fields the docs allow `starts-with` on; every other field takes exact matches only. */
const STARTS_WITH_FIELDS = new Set([
  'key',
  'acl',
  'cache-control',
  'content-type',
  'content-disposition',
  'content-encoding',
  'expires',
  'success_action_redirect',
  'redirect',
]);

const accessDenied = (message: string): S3ErrorAnswer => ({ status: 403, code: 'AccessDenied', message });
const invalidArgument = (message: string, name: string, value: string | number): S3ErrorAnswer => ({
  status: 400,
  code: 'InvalidArgument',
  message,
  details: [
    ['ArgumentName', name],
    ['ArgumentValue', value],
  ],
});
const missingField = (name: string) =>
  invalidArgument(
    `Bucket POST must contain a field named '${name}'.  If it is specified, please check the order of the fields.`,
    name,
    '',
  );
const invalidPolicy = (message: string): S3ErrorAnswer => ({
  status: 400,
  code: 'InvalidPolicyDocument',
  message: `Invalid Policy: ${message}`,
});
const malformedCredential = (): S3ErrorAnswer => ({
  status: 400,
  code: 'AuthorizationQueryParametersError',
  message:
    'Error parsing the X-Amz-Credential parameter; the Credential is mal-formed; expecting ' +
    '"<YOUR-AKID>/YYYYMMDD/REGION/SERVICE/aws4_request".',
});

type Condition =
  | { kind: 'match'; op: 'eq' | 'starts-with'; field: string; value: string; text: string }
  | { kind: 'range'; min: number; max: number; text: string }
  | { kind: 'invalid'; text: string };

/** How S3 quotes a condition in "Policy Condition failed: …": a JSON array, `{f: v}` shown as its `eq` form. */
const quote = (items: readonly unknown[]) => `[${items.map((item) => JSON.stringify(item)).join(', ')}]`;

function parseCondition(raw: unknown): Condition | S3ErrorAnswer {
  if (raw !== null && typeof raw === 'object' && !Array.isArray(raw)) {
    const entries = Object.entries(raw);
    if (entries.length !== 1) {
      return invalidPolicy('Invalid Simple-Condition: Simple-Conditions must have exactly one property specified.');
    }
    const [field, value] = entries[0] as [string, unknown];
    const text = quote(['eq', `$${field}`, value]);
    if (typeof value !== 'string') return { kind: 'invalid', text };
    return { kind: 'match', op: 'eq', field: field.toLowerCase(), value, text };
  }
  if (!Array.isArray(raw)) return { kind: 'invalid', text: JSON.stringify(raw) };
  const text = quote(raw);
  const [op, first, second] = raw as unknown[];
  if (raw.length !== 3 || typeof op !== 'string') return { kind: 'invalid', text };
  const operator = op.toLowerCase();
  if (operator === 'content-length-range') {
    const bounds = [first, second];
    if (!bounds.every((n) => typeof n === 'number' && Number.isSafeInteger(n) && n >= 0)) {
      return { kind: 'invalid', text };
    }
    return { kind: 'range', min: first as number, max: second as number, text };
  }
  if ((operator === 'eq' || operator === 'starts-with') && typeof first === 'string' && typeof second === 'string') {
    if (!first.startsWith('$') || first.length < 2) return { kind: 'invalid', text };
    return { kind: 'match', op: operator, field: first.slice(1).toLowerCase(), value: second, text };
  }
  return { kind: 'invalid', text };
}

function matches(
  condition: Extract<Condition, { kind: 'match' }>,
  values: Map<string, string>,
  bucket: string,
): boolean {
  // The bucket is where the form was posted, whatever a `bucket` field says.
  const actual = condition.field === 'bucket' ? bucket : values.get(condition.field);
  if (actual === undefined) return false;
  if (condition.op === 'eq') return actual === condition.value;
  if (!STARTS_WITH_FIELDS.has(condition.field) && !condition.field.startsWith('x-amz-meta-')) return false;
  // "If the starts-with condition is used with Content-Type, values with commas are interpreted as lists."
  const candidates = condition.field === 'content-type' ? actual.split(',').map((v) => v.trim()) : [actual];
  return candidates.every((candidate) => candidate.startsWith(condition.value));
}

interface DecodedPolicy {
  expiration: number;
  conditions: Condition[];
}

function decodePolicy(policyBase64: string): DecodedPolicy | S3ErrorAnswer {
  let document: unknown;
  try {
    if (!/^[A-Za-z0-9+/]*={0,2}$/.test(policyBase64)) throw new Error('not base64');
    document = JSON.parse(Buffer.from(policyBase64, 'base64').toString('utf8'));
  } catch {
    return invalidPolicy('Invalid JSON.');
  }
  if (document === null || typeof document !== 'object' || Array.isArray(document)) {
    return invalidPolicy('Invalid JSON.');
  }
  const { expiration, conditions } = document as { expiration?: unknown; conditions?: unknown };
  if (expiration === undefined) return invalidPolicy('Policy missing expiration.');
  const expiresAt =
    typeof expiration === 'string' && /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/.test(expiration)
      ? Date.parse(expiration)
      : Number.NaN;
  if (Number.isNaN(expiresAt)) return invalidPolicy(`Invalid 'expiration' value: '${String(expiration)}'`);
  if (conditions === undefined) return invalidPolicy('Policy missing conditions.');
  if (!Array.isArray(conditions)) return invalidPolicy("Invalid 'conditions' value: must be a List.");
  const parsed: Condition[] = [];
  for (const raw of conditions) {
    const condition = parseCondition(raw);
    if ('code' in condition) return condition;
    parsed.push(condition);
  }
  return { expiration: expiresAt, conditions: parsed };
}

const stringToSignBytes = (text: string) =>
  [...Buffer.from(text, 'utf8')].map((byte) => byte.toString(16).padStart(2, '0')).join(' ');

/** The error S3 answers for this form, or null when S3 would store the file. */
export function checkPostPolicy(form: PostPolicyForm, context: PostPolicyContext): S3ErrorAnswer | null {
  // Field names are case-insensitive. A name sent twice is refused: the check and the store must read one value.
  const values = new Map<string, string>();
  for (const [name, value] of form.fields) {
    const lower = name.toLowerCase();
    if (values.has(lower)) {
      return invalidArgument(`Bucket POST must not contain the field '${name}' more than once.`, name, value);
    }
    values.set(lower, value);
  }

  if (form.fileSize === null) {
    return invalidArgument('POST requires exactly one file upload per request.', 'file', 0);
  }
  if (!values.has('key')) return missingField('key');

  const policy = values.get('policy');
  // No policy is an anonymous write, which a bucket without a public-write grant refuses.
  if (policy === undefined) return accessDenied('Access Denied');
  if (!SIGV4_FIELDS.some((name) => values.has(name.toLowerCase()))) return accessDenied('Access Denied');
  for (const name of SIGV4_FIELDS) if (!values.has(name.toLowerCase())) return missingField(name);

  if (values.get('x-amz-algorithm') !== ALGORITHM) {
    return {
      status: 400,
      code: 'AuthorizationQueryParametersError',
      message: `X-Amz-Algorithm only supports "${ALGORITHM}"`,
    };
  }
  const credential = parseCredential(values.get('x-amz-credential') ?? '');
  if (credential?.service !== 's3' || credential.terminator !== 'aws4_request') {
    return malformedCredential();
  }
  if (credential.region !== context.region) {
    return {
      status: 400,
      code: 'AuthorizationQueryParametersError',
      message: `Error parsing the X-Amz-Credential parameter; the region '${credential.region}' is wrong; expecting '${context.region}'`,
      details: [['Region', context.region]],
    };
  }
  const secret = context.secrets.get(credential.accessKeyId);
  if (secret === undefined) {
    return {
      status: 403,
      code: 'InvalidAccessKeyId',
      message: 'The AWS Access Key Id you provided does not exist in our records.',
      details: [['AWSAccessKeyId', credential.accessKeyId]],
    };
  }
  const provided = values.get('x-amz-signature') ?? '';
  if (!signaturesMatch(postSignature(secret, credential, policy), provided)) {
    return {
      status: 403,
      code: 'SignatureDoesNotMatch',
      message:
        'The request signature we calculated does not match the signature you provided. Check your key and ' +
        'signing method.',
      details: [
        ['AWSAccessKeyId', credential.accessKeyId],
        ['StringToSign', policy],
        ['SignatureProvided', provided],
        ['StringToSignBytes', stringToSignBytes(policy)],
      ],
    };
  }

  const decoded = decodePolicy(policy);
  if ('code' in decoded) return decoded;
  if (context.now > decoded.expiration) return accessDenied('Invalid according to Policy: Policy expired.');

  const covered = new Set<string>();
  const ranges: Extract<Condition, { kind: 'range' }>[] = [];
  for (const condition of decoded.conditions) {
    if (condition.kind === 'invalid') {
      return accessDenied(`Invalid according to Policy: Policy Condition failed: ${condition.text}`);
    }
    if (condition.kind === 'range') {
      ranges.push(condition);
      continue;
    }
    if (!matches(condition, values, context.bucket)) {
      return accessDenied(`Invalid according to Policy: Policy Condition failed: ${condition.text}`);
    }
    covered.add(condition.field);
  }
  for (const [name] of form.fields) {
    const lower = name.toLowerCase();
    if (UNCOVERED_ALLOWED.has(lower) || lower.startsWith('x-ignore-') || covered.has(lower)) continue;
    return accessDenied(`Invalid according to Policy: Extra input fields: ${name}`);
  }

  // Size last: S3 reads the fields (which precede the file) before it knows how many bytes the file has.
  const size = form.fileSize;
  for (const range of ranges) {
    if (size < range.min) {
      return {
        status: 400,
        code: 'EntityTooSmall',
        message: 'Your proposed upload is smaller than the minimum allowed size',
        details: [
          ['ProposedSize', size],
          ['MinSizeAllowed', range.min],
        ],
      };
    }
    if (size > range.max) return entityTooLarge(size, range.max);
  }
  if (size > MAX_POST_OBJECT_BYTES) return entityTooLarge(size, MAX_POST_OBJECT_BYTES);
  return null;
}

const entityTooLarge = (size: number, max: number): S3ErrorAnswer => ({
  status: 400,
  code: 'EntityTooLarge',
  message: 'Your proposed upload exceeds the maximum allowed size',
  details: [
    ['ProposedSize', size],
    ['MaxSizeAllowed', max],
  ],
});
