import { S3Client } from '@aws-sdk/client-s3';
import { createUploadStorage, type PresignedPost } from '@toolgate/core/uploads/aws/storage';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { LOCAL_CREDENTIALS } from '../local-env';
import type { S3ErrorAnswer } from './s3-error';
import { checkPostPolicy, type PostPolicyContext } from './s3-post-policy';
import { parseCredential, postSignature } from './sigv4-post';

/**
 * The policy check against forms signed by the SDK exactly as the api tier signs them (core's `presignPost`), so
 * the signature is pinned by an implementation other than the one under test; hand-made policies cover the
 * condition types the app does not use.
 */
const BUCKET = 'toolgate-local-uploads';
const REGION = 'us-east-1';
const KEY = 'users/alice/uploads/0b5e8a4c-1f3e-4a8e-9a57-3f1d2c4b5a6e';
const SIZE = 1234;
const secrets = new Map([[LOCAL_CREDENTIALS.accessKeyId, LOCAL_CREDENTIALS.secretAccessKey]]);

let signed: PresignedPost;
let expiresAt: number;

beforeAll(async () => {
  const s3 = new S3Client({
    region: REGION,
    endpoint: 'http://127.0.0.1:9',
    forcePathStyle: true,
    credentials: LOCAL_CREDENTIALS,
  });
  signed = await createUploadStorage(s3, BUCKET).presignPost({
    key: KEY,
    contentType: 'text/markdown',
    size: SIZE,
    expiresSeconds: 300,
  });
  // The policy's own expiration: `expiresAt` in the answer is computed a moment apart from the SDK's.
  expiresAt = Date.parse(JSON.parse(Buffer.from(signed.fields.Policy as string, 'base64').toString('utf8')).expiration);
  s3.destroy();
});

type Fields = [string, string][];
const appFields = (): Fields => Object.entries(signed.fields);
const context = (changes: Partial<PostPolicyContext> = {}): PostPolicyContext => ({
  bucket: BUCKET,
  region: REGION,
  secrets,
  now: expiresAt - 60_000,
  ...changes,
});
const check = (fields: Fields, fileSize: number | null = SIZE, changes: Partial<PostPolicyContext> = {}) =>
  checkPostPolicy({ fields, fileSize }, context(changes));

const withField = (fields: Fields, name: string, value: string): Fields =>
  fields.map(([n, v]) => [n, n.toLowerCase() === name.toLowerCase() ? value : v]);
const without = (fields: Fields, name: string): Fields =>
  fields.filter(([n]) => n.toLowerCase() !== name.toLowerCase());
const denied = (message: string) => ({ status: 403, code: 'AccessDenied', message });
const conditionFailed = (condition: string) =>
  denied(`Invalid according to Policy: Policy Condition failed: ${condition}`);

/** A policy signed with the local credentials, for the conditions the app's own policy never uses. */
function signedForm(conditions: unknown[], fields: Fields, expiration = new Date(expiresAt).toISOString()): Fields {
  const credential = `${LOCAL_CREDENTIALS.accessKeyId}/20261204/${REGION}/s3/aws4_request`;
  const policy = Buffer.from(JSON.stringify({ expiration, conditions })).toString('base64');
  const parsed = parseCredential(credential);
  if (!parsed) throw new Error('bad test credential');
  return [
    ...fields,
    ['X-Amz-Algorithm', 'AWS4-HMAC-SHA256'],
    ['X-Amz-Credential', credential],
    ['X-Amz-Date', '20261204T000000Z'],
    ['Policy', policy],
    ['X-Amz-Signature', postSignature(LOCAL_CREDENTIALS.secretAccessKey, parsed, policy)],
  ];
}
const SIGV4_CONDITIONS = [
  { 'x-amz-algorithm': 'AWS4-HMAC-SHA256' },
  { 'x-amz-credential': `${LOCAL_CREDENTIALS.accessKeyId}/20261204/${REGION}/s3/aws4_request` },
  { 'x-amz-date': '20261204T000000Z' },
];

describe('checkPostPolicy with the api tier’s presigned POST', () => {
  it('accepts the form as signed, with field names in any case, and x-ignore- fields', () => {
    expect(check(appFields())).toBeNull();
    expect(check(appFields().map(([n, v]) => [n.toUpperCase(), v]))).toBeNull();
    expect(check([...appFields(), ['x-ignore-trace', 'anything']])).toBeNull();
    // Both ends of the signed range.
    expect(check(appFields(), 1)).toBeNull();
    expect(check(appFields(), SIZE)).toBeNull();
  });

  it.each<[string, () => { fields: Fields; size?: number; changes?: Partial<PostPolicyContext> }, () => S3ErrorAnswer]>(
    [
      [
        'a rewritten key',
        () => ({ fields: withField(appFields(), 'key', 'users/mallory/uploads/x') }),
        () => conditionFailed(`["eq", "$key", "${KEY}"]`),
      ],
      [
        'another Content-Type',
        () => ({ fields: withField(appFields(), 'Content-Type', 'text/html') }),
        () => conditionFailed('["eq", "$Content-Type", "text/markdown"]'),
      ],
      [
        'no tagging field',
        () => ({ fields: without(appFields(), 'tagging') }),
        () => conditionFailed(`["eq", "$tagging", ${JSON.stringify(signed.fields.tagging)}]`),
      ],
      [
        'a form posted to another bucket',
        () => ({ fields: appFields(), changes: { bucket: 'someone-elses-bucket' } }),
        () => conditionFailed(`["eq", "$bucket", "${BUCKET}"]`),
      ],
      [
        'a field no condition covers',
        () => ({ fields: [...appFields(), ['acl', 'public-read']] }),
        () => denied('Invalid according to Policy: Extra input fields: acl'),
      ],
      [
        'a bigger file',
        () => ({ fields: appFields(), size: SIZE + 1 }),
        () => ({
          status: 400,
          code: 'EntityTooLarge',
          message: 'Your proposed upload exceeds the maximum allowed size',
          details: [
            ['ProposedSize', SIZE + 1],
            ['MaxSizeAllowed', SIZE],
          ],
        }),
      ],
      [
        'an empty file',
        () => ({ fields: appFields(), size: 0 }),
        () => ({
          status: 400,
          code: 'EntityTooSmall',
          message: 'Your proposed upload is smaller than the minimum allowed size',
          details: [
            ['ProposedSize', 0],
            ['MinSizeAllowed', 1],
          ],
        }),
      ],
      [
        'an expired policy',
        () => ({ fields: appFields(), changes: { now: expiresAt + 1 } }),
        () => denied('Invalid according to Policy: Policy expired.'),
      ],
      [
        'no policy (an anonymous write)',
        () => ({ fields: without(appFields(), 'Policy') }),
        () => denied('Access Denied'),
      ],
      [
        'no signature',
        () => ({ fields: without(appFields(), 'X-Amz-Signature') }),
        () => ({
          status: 400,
          code: 'InvalidArgument',
          message:
            "Bucket POST must contain a field named 'X-Amz-Signature'.  If it is specified, please check the order of the fields.",
          details: [
            ['ArgumentName', 'X-Amz-Signature'],
            ['ArgumentValue', ''],
          ],
        }),
      ],
      [
        'no key',
        () => ({ fields: without(appFields(), 'key') }),
        () => ({
          status: 400,
          code: 'InvalidArgument',
          message:
            "Bucket POST must contain a field named 'key'.  If it is specified, please check the order of the fields.",
          details: [
            ['ArgumentName', 'key'],
            ['ArgumentValue', ''],
          ],
        }),
      ],
      [
        'no file',
        () => ({ fields: appFields(), size: null as unknown as number }),
        () => ({
          status: 400,
          code: 'InvalidArgument',
          message: 'POST requires exactly one file upload per request.',
          details: [
            ['ArgumentName', 'file'],
            ['ArgumentValue', 0],
          ],
        }),
      ],
      [
        'a field sent twice, in another case',
        () => ({ fields: [...appFields(), ['KEY', 'users/mallory/uploads/x']] }),
        () => ({
          status: 400,
          code: 'InvalidArgument',
          message: "Bucket POST must not contain the field 'KEY' more than once.",
          details: [
            ['ArgumentName', 'KEY'],
            ['ArgumentValue', 'users/mallory/uploads/x'],
          ],
        }),
      ],
      [
        'a credential for another region',
        () => ({ fields: appFields(), changes: { region: 'eu-west-1' } }),
        () => ({
          status: 400,
          code: 'AuthorizationQueryParametersError',
          message:
            "Error parsing the X-Amz-Credential parameter; the region 'us-east-1' is wrong; expecting 'eu-west-1'",
          details: [['Region', 'eu-west-1']],
        }),
      ],
      [
        'an access key the local S3 does not know',
        () => ({ fields: appFields(), changes: { secrets: new Map([['SOMEONE', 'secret']]) } }),
        () => ({
          status: 403,
          code: 'InvalidAccessKeyId',
          message: 'The AWS Access Key Id you provided does not exist in our records.',
          details: [['AWSAccessKeyId', LOCAL_CREDENTIALS.accessKeyId]],
        }),
      ],
    ],
  )('refuses %s as S3 does', (_name, make, expected) => {
    const { fields, size = SIZE, changes = {} } = make();
    expect(check(fields, size, changes)).toEqual(expected());
  });

  it('refuses a tampered policy or signature (SignatureDoesNotMatch, with what S3 signed)', () => {
    const policy = JSON.parse(Buffer.from(signed.fields.Policy as string, 'base64').toString('utf8'));
    policy.conditions = policy.conditions.map((c: unknown) =>
      Array.isArray(c) && c[0] === 'content-length-range' ? ['content-length-range', 1, 10 ** 9] : c,
    );
    const widened = Buffer.from(JSON.stringify(policy)).toString('base64');
    const tampered = check(withField(appFields(), 'Policy', widened), 10 ** 6);
    expect(tampered).toMatchObject({ status: 403, code: 'SignatureDoesNotMatch' });
    expect(tampered?.message).toBe(
      'The request signature we calculated does not match the signature you provided. Check your key and signing method.',
    );
    expect(Object.fromEntries(tampered?.details ?? [])).toEqual({
      AWSAccessKeyId: LOCAL_CREDENTIALS.accessKeyId,
      StringToSign: widened,
      SignatureProvided: signed.fields['X-Amz-Signature'],
      StringToSignBytes: [...Buffer.from(widened)].map((b) => b.toString(16).padStart(2, '0')).join(' '),
    });

    const signature = signed.fields['X-Amz-Signature'] as string;
    const flipped = `${signature.slice(0, -1)}${signature.endsWith('0') ? '1' : '0'}`;
    expect(check(withField(appFields(), 'X-Amz-Signature', flipped))).toMatchObject({
      status: 403,
      code: 'SignatureDoesNotMatch',
    });
    expect(check(withField(appFields(), 'X-Amz-Signature', signature.toUpperCase()))).toMatchObject({
      code: 'SignatureDoesNotMatch',
    });
  });

  it('expires at the policy’s expiration instant, not a millisecond later', () => {
    expect(check(appFields(), SIZE, { now: expiresAt })).toBeNull();
    expect(check(appFields(), SIZE, { now: expiresAt + 1 })).toEqual(
      denied('Invalid according to Policy: Policy expired.'),
    );
  });

  it('accepts every size in the signed range and refuses every size above it (property)', () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: SIZE }), (size) => check(appFields(), size) === null));
    fc.assert(
      fc.property(fc.integer({ min: SIZE + 1, max: 2 ** 40 }), (size) => {
        const error = check(appFields(), size);
        return error?.code === 'EntityTooLarge' && error.details?.[0]?.[1] === size;
      }),
    );
  });

  it('refuses any key but the signed one, and any field the policy does not name (property)', () => {
    fc.assert(
      fc.property(
        fc.string({ minLength: 1 }).filter((key) => key !== KEY),
        (key) =>
          check(withField(appFields(), 'key', key))?.message === conditionFailed(`["eq", "$key", "${KEY}"]`).message,
      ),
    );
    fc.assert(
      fc.property(fc.stringMatching(/^x-amz-meta-[a-z0-9]{1,12}$/), fc.string(), (name, value) => {
        return (
          check([...appFields(), [name, value]])?.message === `Invalid according to Policy: Extra input fields: ${name}`
        );
      }),
    );
  });

  it('reads field names case-insensitively, whichever case each field is sent in (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.boolean(), { minLength: 16, maxLength: 16 }), (upper) => {
        const fields = appFields().map(([n, v], i): [string, string] => [
          upper[i] ? n.toUpperCase() : n.toLowerCase(),
          v,
        ]);
        return check(fields) === null;
      }),
    );
  });
});

describe('checkPostPolicy with condition types the app does not sign', () => {
  const file: Fields = [['key', 'photos/cat.png']];
  const base = [{ bucket: BUCKET }, ...SIGV4_CONDITIONS];

  it('matches starts-with on a prefix, and on anything with an empty prefix, but never on a missing field', () => {
    const conditions = [...base, ['starts-with', '$key', 'photos/'], ['starts-with', '$Cache-Control', '']];
    expect(check(signedForm(conditions, [...file, ['Cache-Control', 'max-age=60']]))).toBeNull();
    expect(
      check(
        signedForm(conditions, [
          ['key', 'videos/cat.png'],
          ['Cache-Control', 'x'],
        ]),
      ),
    ).toEqual(conditionFailed('["starts-with", "$key", "photos/"]'));
    expect(check(signedForm(conditions, file))).toEqual(conditionFailed('["starts-with", "$Cache-Control", ""]'));
  });

  it('reads a Content-Type list for starts-with: every member must match', () => {
    const conditions = [...base, { key: 'photos/cat.png' }, ['starts-with', '$Content-Type', 'image/']];
    expect(check(signedForm(conditions, [...file, ['Content-Type', 'image/png, image/jpeg']]))).toBeNull();
    expect(check(signedForm(conditions, [...file, ['Content-Type', 'image/png, text/html']]))).toEqual(
      conditionFailed('["starts-with", "$Content-Type", "image/"]'),
    );
  });

  it('allows starts-with only where S3 does (not on success_action_status or the bucket)', () => {
    const status = [...base, { key: 'photos/cat.png' }, ['starts-with', '$success_action_status', '2']];
    expect(check(signedForm(status, [...file, ['success_action_status', '201']]))).toEqual(
      conditionFailed('["starts-with", "$success_action_status", "2"]'),
    );
    const meta = [...base, { key: 'photos/cat.png' }, ['starts-with', '$x-amz-meta-owner', 'al']];
    expect(check(signedForm(meta, [...file, ['x-amz-meta-owner', 'alice']]))).toBeNull();
  });

  it('answers InvalidPolicyDocument for a policy S3 cannot read, and a failed condition for an unknown operator', () => {
    expect(check(signedForm([...base, { key: 'photos/cat.png', acl: 'private' }], file))).toEqual({
      status: 400,
      code: 'InvalidPolicyDocument',
      message: 'Invalid Policy: Invalid Simple-Condition: Simple-Conditions must have exactly one property specified.',
    });
    expect(check(signedForm([...base, { key: 'photos/cat.png' }], file, 'next tuesday'))).toEqual({
      status: 400,
      code: 'InvalidPolicyDocument',
      message: "Invalid Policy: Invalid 'expiration' value: 'next tuesday'",
    });
    expect(check(signedForm([...base, ['ends-with', '$key', '.png']], file))).toEqual(
      conditionFailed('["ends-with", "$key", ".png"]'),
    );
    expect(check(signedForm([...base, ['content-length-range', '1', 10]], file))).toEqual(
      conditionFailed('["content-length-range", "1", 10]'),
    );
  });
});
