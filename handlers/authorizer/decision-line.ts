import type { VerifiedToken } from "../../src/token/verify";

/** What one decision line says, in the order its JSON fields are written (docs/observability.md). */
export interface DecisionLineFields {
  readonly requestId: string;
  readonly decision: "allow" | "deny";
  /** The status the check port answered. */
  readonly status: number;
  readonly reason: string;
  /** The S3 error of a denial. */
  readonly error?: { readonly code: string; readonly message: string };
  readonly operation?: string;
  readonly bucket?: string;
  readonly key?: string;
  readonly token?: VerifiedToken;
  readonly tokenPlace?: string;
  readonly cache?: "hit" | "miss";
  /** Milliseconds from arrival to the answer, rounded to the microsecond. */
  readonly latencyMs: number;
  readonly traceId?: string;
  readonly spanId?: string;
}

/** Text JSON writes as it is between quotes: no `"`, `\\`, control character or lone surrogate half. */
// eslint-disable-next-line no-control-regex
const PLAIN = /^[^"\\\u0000-\u001f\ud800-\udfff]*$/;
const quote = (value: string): string => (PLAIN.test(value) ? `"${value}"` : JSON.stringify(value));
const optional = (name: string, value: string | undefined): string => (value === undefined ? "" : `,"${name}":${quote(value)}`);
/** A number as JSON writes it: finite numbers as `String` does, anything else `null` (as pino). */
const number = (value: number): string => (Number.isFinite(value) ? String(value) : "null");

/** Distinct values a member cache keeps; beyond it, members are built every time. */
const MEMBER_CACHE_VALUES = 256;

/**
 * `,"<name>":<value>` for a field with few distinct values (reason, operation, bucket, token place,
 * cache): built once per value, at most MEMBER_CACHE_VALUES values.
 */
function memberCache(name: string): (value: string | undefined) => string {
  const members = new Map<string, string>();
  return (value) => {
    if (value === undefined) return "";
    let member = members.get(value);
    if (member === undefined) {
      member = `,"${name}":${quote(value)}`;
      if (members.size < MEMBER_CACHE_VALUES) members.set(value, member);
    }
    return member;
  };
}

const reasonMember = memberCache("reason");
const operationMember = memberCache("operation");
const bucketMember = memberCache("bucket");
const tokenPlaceMember = memberCache("token_place");
const cacheMember = memberCache("cache");

/**
 * The token's fields (`sub`, `jti`, `kid`, `token_fp`) once per verified token: a cache hit hands
 * back the same token object, so its fields are serialized once, not on every check.
 */
const tokenFieldsCache = new WeakMap<VerifiedToken, string>();

function tokenFields(token: VerifiedToken | undefined): string {
  if (token === undefined) return "";
  let text = tokenFieldsCache.get(token);
  if (text === undefined) {
    text = `,"sub":${quote(token.subject)},"jti":${quote(token.jti)},"kid":${quote(token.kid)},"token_fp":${quote(token.fingerprint)}`;
    tokenFieldsCache.set(token, text);
  }
  return text;
}

/**
 * The decision line's own fields as JSON members, each preceded by a comma (`,"event":"decision",...`):
 * what `logger.info({...})` would write after its level, time and bindings, undefined fields left
 * out. Built directly because the generic serializer was the largest single cost of a check
 * (docs/benchmarks.md); tests/handlers/authorizer/decision-line.test.ts holds it equal to pino's.
 */
export function decisionLineFields(f: DecisionLineFields): string {
  return (
    `,"event":"decision","request_id":${quote(f.requestId)},"decision":"${f.decision}","status":${number(f.status)}` +
    reasonMember(f.reason) +
    (f.error === undefined ? "" : `,"code":${quote(f.error.code)},"message":${quote(f.error.message)}`) +
    operationMember(f.operation) +
    bucketMember(f.bucket) +
    optional("key", f.key) +
    tokenFields(f.token) +
    tokenPlaceMember(f.tokenPlace) +
    cacheMember(f.cache) +
    `,"latency_ms":${number(f.latencyMs)}` +
    optional("trace_id", f.traceId) +
    optional("span_id", f.spanId)
  );
}

/** The same fields as an object, for a logger that cannot take pre-serialized members (a pino child). */
export function decisionLineObject(f: DecisionLineFields): Record<string, unknown> {
  return JSON.parse(`{${decisionLineFields(f).slice(1)}}`) as Record<string, unknown>;
}
