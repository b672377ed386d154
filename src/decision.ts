import { s3Error, type S3Error } from "./errors";
import { describeCheck, firstUnsatisfied } from "./grants/match";
import { classifyHead, completeClassification, type ClassifiedRequest, type ClassifyOptions, type RequestHead } from "./s3/classify";
import { createBucketAnswer } from "./s3/create-bucket";
import { LOCALLY_ANSWERED } from "./s3/operations";
import { presignWithoutTokenError } from "./s3/presign-hint";
import type { GatewayRequest } from "./s3/request";
import { canonicalToken } from "./token/compact";
import { extractToken, presignedUrlProblem, type TokenPlace } from "./token/extract";
import type { VerifiedToken, VerifyResult } from "./token/verify";

/** Everything `decide` needs besides the request. The service passes a caching verifier. */
export interface DecisionContext {
  /**
   * Verifies a token (signature, header, claims, deny list) — `verifyToken` bound to a keyring and
   * policy. May answer synchronously (a token-cache hit), so `decideNow` needs no promise then.
   */
  readonly verify: (token: string) => VerifyResult | Promise<VerifyResult>;
  readonly classify: ClassifyOptions;
  readonly now: Date;
}

export interface Allow {
  readonly allow: true;
  readonly status: 200;
  /** The request as received, which the upstream signer needs beside what was judged. */
  readonly received: GatewayRequest;
  readonly request: ClassifiedRequest;
  readonly token: VerifiedToken;
  readonly tokenPlace: TokenPlace;
  /**
   * Client headers Envoy must remove before forwarding: the client's credentials. The upstream
   * signer overwrites some of them; the caller removes only those it does not set.
   */
  readonly removeHeaders: readonly string[];
}

export interface Deny {
  readonly allow: false;
  readonly status: number;
  readonly error: S3Error;
  /** A stable, fine-grained reason for logs and metrics (e.g. `outside-grants`, `unknown-kid`). */
  readonly reason: string;
  /** What was read of the request before it was refused: its head, or all of it. */
  readonly request?: RequestHead;
  readonly token?: VerifiedToken;
}

export type Decision = Allow | Deny;

const deny = (error: S3Error, reason: string, extra: Partial<Pick<Deny, "request" | "token">> = {}): Deny => ({
  allow: false,
  status: error.status,
  error,
  reason,
  ...extra,
});

const CREDENTIAL_HEADERS = ["authorization", "x-amz-security-token", "x-amz-date"] as const;
/** The usual case, a token header and a signature: one frozen list shared by every such check. */
const ALL_CREDENTIAL_HEADERS: readonly string[] = Object.freeze([...CREDENTIAL_HEADERS]);

/** Client credential headers, never forwarded to S3 as sent. */
function credentialHeaders(request: GatewayRequest): readonly string[] {
  const { headers } = request;
  if (headers.authorization !== undefined && headers["x-amz-security-token"] !== undefined && headers["x-amz-date"] !== undefined) return ALL_CREDENTIAL_HEADERS;
  return CREDENTIAL_HEADERS.filter((name) => headers[name] !== undefined);
}

const isPromise = <T>(value: T | Promise<T>): value is Promise<T> => value instanceof Promise;

/**
 * The grant check alone: whether a verified token covers a classified request. Pure and synchronous,
 * so the hot path after a token-cache hit costs microseconds.
 */
export function authorizeClassified(request: ClassifiedRequest, token: VerifiedToken): { ok: true } | { ok: false; error: S3Error } {
  const missing = firstUnsatisfied(token.grants, request.checks);
  if (!missing) return { ok: true };
  const resource = request.key === undefined ? request.bucket : `${request.bucket}/${request.key}`;
  return { ok: false, error: s3Error("AccessDenied", `${request.operation} needs ${describeCheck(missing)}, which the token does not grant`, resource) };
}

/**
 * Decides one request. Order matters (docs/decisions.md, "Authenticate before reading the body"):
 * 1. the head: method, path, query and headers, O(their size), never the body;
 * 2. the token: one place, presigned-URL expiry, canonical spelling, then verification (cached);
 * 3. only for a verified token, the body (DeleteObjects) and then the grants.
 * So an unauthenticated request costs at most a pass over its head, and a malformed one never
 * costs a signature verification. CreateBucket (LOCALLY_ANSWERED) is answered after step 2 by a
 * denial with its own status (409 for a bucket the token may write in), so it is never allowed.
 * Never throws for any request. Synchronous when `context.verify` is (a token-cache hit); a promise
 * only when verification needs one.
 */
export function decideNow(request: GatewayRequest, context: DecisionContext): Decision | Promise<Decision> {
  const headClassification = classifyHead(request, context.classify);
  if (!headClassification.ok) {
    const { error } = headClassification;
    return deny(error, error.code === "AccessDenied" ? "unsupported" : error.code);
  }
  const head = headClassification.head;
  const extraction = extractToken(request.headers, head.query);
  if (!extraction.ok) {
    const presigned = extraction.reason === "no-token" ? presignWithoutTokenError(head.query) : undefined;
    return deny(presigned ?? extraction.error, extraction.reason, { request: head });
  }
  const presignProblem = presignedUrlProblem(head.query, context.now);
  if (presignProblem) return deny(presignProblem, "presign-expired", { request: head });
  // The canonical text, as the object kept for a token seen lately: equal to the one sent, so the
  // verifier's own comparison with the text it cached is by identity.
  const spelled = canonicalToken(extraction.token);
  if (typeof spelled !== "string") return deny(s3Error("InvalidToken", spelled.problem), "malformed", { request: head });
  const verified = context.verify(spelled);
  if (isPromise(verified)) return verified.then((result) => judgeVerified(request, context, head, extraction.place, result));
  return judgeVerified(request, context, head, extraction.place, verified);
}

/** Steps after verification (3. above): synchronous, so a cache hit is decided without a promise. */
function judgeVerified(request: GatewayRequest, context: DecisionContext, head: RequestHead, place: TokenPlace, verified: VerifyResult): Decision {
  if (!verified.ok) return deny(verified.error, verified.reason, { request: head });
  if (LOCALLY_ANSWERED.has(head.operation)) {
    const answer = createBucketAnswer(head.bucket, verified.token.grants);
    return deny(answer.error, answer.reason, { request: head, token: verified.token });
  }
  const classification = completeClassification(head, request, context.classify);
  if (!classification.ok) return deny(classification.error, classification.error.code, { request: head, token: verified.token });
  const classified = classification.request;
  const grant = authorizeClassified(classified, verified.token);
  if (!grant.ok) return deny(grant.error, "outside-grants", { request: classified, token: verified.token });
  return {
    allow: true,
    status: 200,
    received: request,
    request: classified,
    token: verified.token,
    tokenPlace: place,
    removeHeaders: credentialHeaders(request),
  };
}

/** `decideNow` as a promise, for callers that always await (simulate, the benchmark, tests). */
export async function decide(request: GatewayRequest, context: DecisionContext): Promise<Decision> {
  return decideNow(request, context);
}
