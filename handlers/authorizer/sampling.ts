import type { DecisionSampling } from "../../src/runtime-settings/runtime-document";
import type { GatewayRequest } from "../../src/s3/request";

/**
 * Request sampling for debugging authorization decisions: for a fraction of checks, or every check
 * of one subject (the runtime document's `decisionSampling`), the decision line carries the request
 * as the authorizer judged it, redacted. Off by default. Pure.
 *
 * Redaction is by allow-list: only the values of the headers below are shown; every other header
 * appears by name with its value replaced, the query by parameter names only, and the body not at
 * all. So the token (`authorization`, `x-amz-security-token`, the `X-Amz-Security-Token` query
 * parameter), the client's signature, an SSE-C key or any header a client invents never reach a log.
 */

/** Headers whose values help explain a decision and carry no secret. */
export const SAMPLED_HEADER_VALUES: ReadonlySet<string> = new Set([
  "host",
  "content-type",
  "content-length",
  "content-encoding",
  "content-md5",
  "x-amz-content-sha256",
  "x-amz-decoded-content-length",
  "x-amz-date",
  "x-amz-copy-source",
  "x-amz-copy-source-range",
  "x-amz-acl",
  "x-amz-checksum-algorithm",
  "x-amz-sdk-checksum-algorithm",
  "x-amz-storage-class",
  "x-amz-server-side-encryption",
  "x-amz-request-payer",
  "x-amz-expected-bucket-owner",
  "x-amz-trailer",
  "range",
  "user-agent",
  "x-request-id",
  "traceparent",
  "x-amzn-trace-id",
]);

export const REDACTED = "[redacted]";

/** The request as a sampled decision line shows it. */
export interface SampledInput {
  readonly method: string;
  /** The path without the query. */
  readonly path: string;
  /** Query parameter names, in order, without values. */
  readonly query: readonly string[];
  /** Header names with their values for SAMPLED_HEADER_VALUES, REDACTED for the others. */
  readonly headers: Readonly<Record<string, string>>;
  /** Body length in bytes when Envoy forwarded one (DeleteObjects); never its content. */
  readonly body_bytes?: number;
}

/** Whether this check is sampled: its subject is the sampled one, or the draw falls under the ratio. */
export function isSampled(sampling: DecisionSampling, subject: string | undefined, draw: () => number = Math.random): boolean {
  if (sampling.subject !== undefined && subject === sampling.subject) return true;
  return sampling.ratio > 0 && draw() < sampling.ratio;
}

/** Whether any check can be sampled under these settings (the caller skips all work when not). */
export function samplingEnabled(sampling: DecisionSampling): boolean {
  return sampling.ratio > 0 || sampling.subject !== undefined;
}

/** The redacted decision input of a request (see the module comment for what is kept). */
export function sampledInput(request: GatewayRequest): SampledInput {
  const q = request.path.indexOf("?");
  const path = q < 0 ? request.path : request.path.slice(0, q);
  const query = q < 0 ? [] : request.path.slice(q + 1).split("&").filter((p) => p !== "").map((p) => {
    const eq = p.indexOf("=");
    return safeDecode(eq < 0 ? p : p.slice(0, eq));
  });
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(request.headers)) {
    if (value === undefined) continue;
    headers[name] = SAMPLED_HEADER_VALUES.has(name) ? value : REDACTED;
  }
  const body = request.body;
  const bodyBytes = body === undefined ? undefined : typeof body === "string" ? Buffer.byteLength(body) : body.length;
  return { method: request.method, path, query, headers, ...(bodyBytes === undefined ? {} : { body_bytes: bodyBytes }) };
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text.replace(/\+/g, " "));
  } catch {
    return text;
  }
}
