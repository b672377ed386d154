import type { Decision } from "../../src/decision";
import type { S3Error } from "../../src/errors";
import type { GatewayRequest } from "../../src/s3/request";
import { combineHeaders } from "../../src/s3/single-headers";
import { upstreamView, type UpstreamView } from "../../src/upstream/sign";

/** One line of `rajee simulate` output. */
export interface SimulationResult {
  readonly allow: boolean;
  readonly status: number;
  readonly code: string;
  readonly operation: string;
  readonly message: string;
  /** Allowed requests only: what S3 will execute (path, rebuilt headers, what the signature covers). */
  readonly upstream?: UpstreamView;
}

/**
 * One result line. An allowed request also shows the request S3 will receive, as signed with the
 * task role at `now` (its session token's presence, never a secret).
 */
export function summarizeDecision(decision: Decision, now: Date = new Date()): SimulationResult {
  if (decision.allow) {
    const { operation, bucket, key } = decision.request;
    return {
      allow: true,
      status: 200,
      code: "OK",
      operation,
      message: `allowed: ${operation} on s3://${bucket}/${key ?? ""} for ${decision.token.subject}`,
      upstream: upstreamView({ request: decision.received, classified: decision.request, now, sessionToken: true }),
    };
  }
  return {
    allow: false,
    status: decision.status,
    code: decision.error.code,
    operation: decision.request?.operation ?? "Unknown",
    message: decision.error.message,
  };
}

/** The line for a request refused before any decision (a repeated single-value header), as the authorizer answers it. */
export function summarizeRefusal(error: S3Error): SimulationResult {
  return { allow: false, status: error.status, code: error.code, operation: "Unknown", message: error.message };
}

/**
 * Builds the request Envoy would forward from a URL, without normalising it: `new URL()` would
 * resolve dot segments and re-encode, hiding exactly what the gateway must judge. A bare path
 * (`/bucket/key`) is accepted too. Repeated headers are combined as the authorizer combines them
 * (`combineHeaders`); `refusal` is set when the authorizer would refuse the repeat before deciding.
 * Returns a problem string instead of throwing.
 */
export function requestFromUrl(
  method: string,
  url: string,
  headers: Readonly<Record<string, string | readonly string[]>>,
  body?: Uint8Array | string,
): { ok: true; request: GatewayRequest; refusal?: S3Error } | { ok: false; problem: string } {
  let host: string | undefined;
  let path: string;
  const scheme = /^https?:\/\//i.exec(url);
  if (scheme) {
    const rest = url.slice(scheme[0].length);
    const end = rest.search(/[/?]/);
    host = end < 0 ? rest : rest.slice(0, end);
    path = end < 0 ? "/" : rest.slice(end);
    if (path.startsWith("?")) path = `/${path}`;
    if (host === "") return { ok: false, problem: `url ${JSON.stringify(url)} has no host` };
  } else if (url.startsWith("/")) {
    path = url;
  } else {
    return { ok: false, problem: `url ${JSON.stringify(url)} must start with http://, https:// or /` };
  }
  if (!/^[A-Za-z]+$/.test(method)) return { ok: false, problem: `method ${JSON.stringify(method)} is not an HTTP method` };
  const { headers: lowered, refusal } = combineHeaders(headers);
  if (host !== undefined && lowered.host === undefined) lowered.host = host;
  const request: GatewayRequest = { method: method.toUpperCase(), path, headers: lowered, ...(body === undefined ? {} : { body }) };
  return refusal ? { ok: true, request, refusal } : { ok: true, request };
}
