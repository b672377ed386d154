/**
 * Every error the gateway answers with: its S3 code, HTTP status, and what it means.
 * Messages are written by the caller and say what to fix; they never contain the token.
 */
export const S3_ERRORS = {
  AccessDenied: { status: 403, meaning: "no token, a request outside the grants, or an unsupported operation" },
  InvalidToken: { status: 400, meaning: "the token is malformed, unverifiable, or has a bad claim, header or grant" },
  ExpiredToken: { status: 400, meaning: "the token is past exp (plus the allowed clock skew)" },
  InvalidURI: { status: 400, meaning: "the path or query cannot be decoded exactly once into a safe key" },
  KeyTooLongError: { status: 400, meaning: "an object key is over 1024 bytes" },
  MalformedXML: { status: 400, meaning: "the DeleteObjects body is missing, truncated, malformed or too large" },
  InvalidRequest: { status: 400, meaning: "a header cannot be forwarded as sent: the payload hash, a header sent twice (hoisted and as a header), a name the load balancer drops, or more headers than the gateway reads" },
  BucketAlreadyOwnedByYou: { status: 409, meaning: "CreateBucket for a bucket the token may write in: answered by the gateway, never forwarded" },
  SlowDown: { status: 429, meaning: "the subject is over its request rate limit" },
  SignatureDoesNotMatch: { status: 403, meaning: "the client's SigV4 signature does not verify with the secret bound to its token" },
  InvalidAccessKeyId: { status: 403, meaning: "the access key id in the client's signature is not the one bound to its token" },
  RequestTimeTooSkewed: { status: 403, meaning: "a header-signed request's x-amz-date is more than 15 minutes from the gateway's clock" },
  AuthorizationHeaderMalformed: { status: 400, meaning: "an AWS4-HMAC-SHA256 Authorization header is malformed or its scope is not <date>/<region>/s3/aws4_request" },
  AuthorizationQueryParametersError: { status: 400, meaning: "a presigned URL's X-Amz-* parameters are missing or malformed" },
} as const;

export type S3ErrorCode = keyof typeof S3_ERRORS;

/** A denial: what the client is told. */
export interface S3Error {
  readonly code: S3ErrorCode;
  readonly status: number;
  readonly message: string;
  /** The bucket or bucket/key the request named, when known. */
  readonly resource?: string;
}

export function s3Error(code: S3ErrorCode, message: string, resource?: string): S3Error {
  return resource === undefined
    ? { code, status: S3_ERRORS[code].status, message }
    : { code, status: S3_ERRORS[code].status, message, resource };
}

/** Thrown inside the core's parsers and caught at their boundary, so callers always get a value. */
export class S3ErrorSignal extends Error {
  constructor(readonly error: S3Error) {
    super(error.message);
  }
}

export function fail(code: S3ErrorCode, message: string, resource?: string): never {
  throw new S3ErrorSignal(s3Error(code, message, resource));
}

function escapeXml(text: string): string {
  return text.replace(/[<>&'"]/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** The S3 XML error document. */
export function errorXml(error: S3Error, requestId: string): string {
  return (
    '<?xml version="1.0" encoding="UTF-8"?>\n' +
    `<Error><Code>${error.code}</Code><Message>${escapeXml(error.message)}</Message>` +
    `<Resource>${escapeXml(error.resource ?? "")}</Resource><RequestId>${escapeXml(requestId)}</RequestId></Error>`
  );
}
