import { randomBytes } from 'node:crypto';

/** An error as S3 answers it: status, code, message, and the code-specific elements S3 adds after the message. */
export interface S3ErrorAnswer {
  status: number;
  code: string;
  message: string;
  details?: readonly (readonly [string, string | number])[];
}

const escapeXml = (text: string) =>
  text.replace(/[<>&'"]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', "'": '&apos;', '"': '&quot;' })[c] ?? c);

/**
 * The XML body S3 sends with an error: `<Error>` with Code, Message, the code's own elements (ProposedSize,
 * StringToSign, …), then RequestId and HostId — SDKs and browser code parse exactly this shape.
 */
export function s3ErrorXml(error: S3ErrorAnswer, requestId: string, hostId: string): string {
  const details = (error.details ?? []).map(([name, value]) => `<${name}>${escapeXml(String(value))}</${name}>`);
  return (
    '<?xml version="1.0" encoding="UTF-8"?>\n' +
    `<Error><Code>${error.code}</Code><Message>${escapeXml(error.message)}</Message>${details.join('')}` +
    `<RequestId>${requestId}</RequestId><HostId>${hostId}</HostId></Error>`
  );
}

/** Request ids shaped like S3's (16 upper-case hex characters) and a base64 host id. */
export function s3RequestIds(): { requestId: string; hostId: string } {
  return { requestId: randomBytes(8).toString('hex').toUpperCase(), hostId: randomBytes(48).toString('base64') };
}
