import { createHmac, timingSafeEqual } from 'node:crypto';

/** The parts of a SigV4 credential (`AKID/YYYYMMDD/region/service/aws4_request`). */
export interface Sigv4Credential {
  accessKeyId: string;
  date: string;
  region: string;
  service: string;
  terminator: string;
}

/** null when the value does not have the five parts S3 expects. */
export function parseCredential(value: string): Sigv4Credential | null {
  const parts = value.split('/');
  if (parts.length !== 5 || parts.some((part) => part === '')) return null;
  const [accessKeyId, date, region, service, terminator] = parts as [string, string, string, string, string];
  if (!/^\d{8}$/.test(date)) return null;
  return { accessKeyId, date, region, service, terminator };
}

const hmac = (key: string | Buffer, data: string) => createHmac('sha256', key).update(data, 'utf8').digest();

/**
 * A browser-based upload's signature: the string to sign is the base64 policy exactly as sent, and the key is
 * derived from the secret, the credential's date and region, `s3` and `aws4_request`.
 */
export function postSignature(secretAccessKey: string, credential: Sigv4Credential, policyBase64: string): string {
  const dateKey = hmac(`AWS4${secretAccessKey}`, credential.date);
  const regionKey = hmac(dateKey, credential.region);
  const serviceKey = hmac(regionKey, credential.service);
  const signingKey = hmac(serviceKey, credential.terminator);
  return createHmac('sha256', signingKey).update(policyBase64, 'utf8').digest('hex');
}

/** Constant-time, so the check does not leak how much of a guessed signature was right. */
export function signaturesMatch(expected: string, provided: string): boolean {
  const a = Buffer.from(expected, 'utf8');
  const b = Buffer.from(provided, 'utf8');
  return a.length === b.length && timingSafeEqual(a, b);
}
