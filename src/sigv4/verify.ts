import { hash, timingSafeEqual } from "node:crypto";
import { s3Error, type S3Error } from "../errors";
import type { Headers } from "../s3/headers";
import { botocoreHeaderValue, cachedSigningKey, canonicalQuery, canonicalRequest, FORMS_DIFFER, signatureWithKey, stringToSign, UNSIGNED_PAYLOAD } from "./canonical";
import { PRESIGN, type SignatureClaim } from "./parse";

/** S3's allowed difference between a header-signed request's x-amz-date and its own clock: 15 minutes. */
export const MAX_CLOCK_SKEW_SECONDS = 15 * 60;

/** A request exactly as the client sent it (the client's own Content-Length restored). */
export interface SignedRequest {
  readonly method: string;
  /** The raw request target: path and query as sent. */
  readonly target: string;
  /** Lower-case names. */
  readonly headers: Headers;
}

/** The credential the request must be signed with. */
export interface SigningCredential {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
}

/** Why a signature was refused (for logs and metrics; the client sees `error`). */
export type SignatureRejection = "wrong-access-key-id" | "expired" | "not-yet-valid" | "skewed" | "unsigned-header" | "host-unsigned" | "no-payload-hash" | "malformed" | "signature";

export type SignatureVerdict =
  | { readonly ok: true }
  | { readonly ok: false; readonly reason: SignatureRejection; readonly error: S3Error; readonly detail?: string };

const SIGNATURE_MISMATCH = "The request signature we calculated does not match the signature you provided. Check your key and signing method.";

/** Equality of two strings in time independent of where they differ (both are hashed to equal length first). */
export function sameText(a: string, b: string): boolean {
  const digest = (text: string) => hash("sha256", text, "buffer");
  return timingSafeEqual(digest(a), digest(b));
}

function refuse(reason: SignatureRejection, error: S3Error, detail?: string): SignatureVerdict {
  return detail === undefined ? { ok: false, reason, error } : { ok: false, reason, error, detail };
}

/** Checks the claim's time: a presigned URL within X-Amz-Date + X-Amz-Expires, a header-signed request within 15 minutes of now. */
function timeProblem(claim: SignatureClaim, nowMs: number): SignatureVerdict | undefined {
  const skewMs = MAX_CLOCK_SKEW_SECONDS * 1000;
  if (claim.kind === "presigned") {
    if (nowMs > claim.signedAtMs + (claim.expiresSeconds as number) * 1000) return refuse("expired", s3Error("AccessDenied", "Request has expired"));
    if (claim.signedAtMs > nowMs + skewMs) return refuse("not-yet-valid", s3Error("AccessDenied", "Request is not valid yet: X-Amz-Date is more than 15 minutes ahead of the gateway's clock"));
    return undefined;
  }
  if (Math.abs(nowMs - claim.signedAtMs) > skewMs) {
    return refuse("skewed", s3Error("RequestTimeTooSkewed", "The difference between the request time and the current time is too large (over 15 minutes); check the client's clock"));
  }
  return undefined;
}

/**
 * Verifies a request's SigV4 signature (from {@link parseSignature}) with `credential`, as S3 does:
 * the access key id must be the credential's (InvalidAccessKeyId), the time must be valid (presigned:
 * X-Amz-Date + X-Amz-Expires, "Request has expired"; header-signed: within 15 minutes,
 * RequestTimeTooSkewed), `host` and every `x-amz-*` header present must be signed (AccessDenied),
 * and the signature must match (SignatureDoesNotMatch). Presigned URLs sign `UNSIGNED-PAYLOAD`;
 * header-signed requests sign their `x-amz-content-sha256`. Every comparison of signatures and
 * secrets is constant-time. Pure: `nowMs` is passed in.
 */
export function verifySignature(request: SignedRequest, claim: SignatureClaim, credential: SigningCredential, nowMs: number): SignatureVerdict {
  if (!sameText(claim.accessKeyId, credential.accessKeyId)) {
    return refuse("wrong-access-key-id", s3Error("InvalidAccessKeyId", "The AWS access key Id you provided does not match the session token; use the access key id, secret and session token issued together"));
  }
  const time = timeProblem(claim, nowMs);
  if (time) return time;
  if (!claim.signedHeaders.includes("host")) return refuse("host-unsigned", s3Error("AccessDenied", "the host header must be signed; sign it (every SigV4 client does)"));
  const signed = new Set(claim.signedHeaders);
  const unsigned = Object.keys(request.headers).filter((name) => name.startsWith("x-amz-") && request.headers[name] !== undefined && !signed.has(name));
  if (unsigned.length > 0) {
    return refuse("unsigned-header", s3Error("AccessDenied", `There were headers present in the request which were not signed: ${unsigned.sort().join(", ")}`));
  }
  let payloadHash = UNSIGNED_PAYLOAD;
  if (claim.kind === "header") {
    const header = request.headers["x-amz-content-sha256"];
    if (header === undefined) return refuse("no-payload-hash", s3Error("InvalidRequest", "Missing required header for this request: x-amz-content-sha256"));
    payloadHash = header.trim();
  }
  const question = request.target.indexOf("?");
  const rawPath = question < 0 ? request.target : request.target.slice(0, question);
  const query = canonicalQuery(question < 0 ? "" : request.target.slice(question + 1), claim.kind === "presigned" ? new Set([PRESIGN.signature]) : new Set());
  if (query === undefined) return refuse("malformed", s3Error("SignatureDoesNotMatch", `${SIGNATURE_MISMATCH} (the query has a malformed percent escape)`));
  const headerValues: Record<string, string> = {};
  const missing: string[] = [];
  let formsDiffer = false;
  for (const name of claim.signedHeaders) {
    // Own properties only: a signed header named `constructor` must read as absent, not as Object's.
    const value = Object.hasOwn(request.headers, name) ? request.headers[name] : undefined;
    if (value === undefined) missing.push(name);
    else {
      headerValues[name] = value;
      if (!formsDiffer && FORMS_DIFFER.test(value)) formsDiffer = true;
    }
  }
  const parts = { method: request.method, rawPath, canonicalQuery: query, signedHeaders: claim.signedHeaders, headerValues, payloadHash };
  const key = cachedSigningKey(credential, claim.scope);
  const signatureIn = (headerValue?: (value: string) => string) => signatureWithKey(key, stringToSign(claim.amzDate, claim.scope, canonicalRequest(parts, headerValue)));
  // SDK v3's canonical form first; botocore's too when a signed value holds whitespace the two read differently.
  if (!timingSafeEqual(signatureIn(), claim.signature) && !(formsDiffer && timingSafeEqual(signatureIn(botocoreHeaderValue), claim.signature))) {
    const detail = missing.length > 0 ? `signed headers not received: ${missing.join(", ")}` : undefined;
    return refuse("signature", s3Error("SignatureDoesNotMatch", SIGNATURE_MISMATCH), detail);
  }
  return { ok: true };
}
