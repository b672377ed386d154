import { HEADERS_TO_REMOVE } from "../../../handlers/authorizer/upstream-signing";
import { EXT_AUTHZ_ALLOWED_UPSTREAM_HEADERS, REMOVED_REQUEST_HEADER_PREFIXES } from "../../../envoy-templates/settings";
import { UPSTREAM_PATH_HEADER } from "../../../src/contracts/gateway";
import type { Credentials, S3Endpoint } from "../../../src/upstream/sign";

/** The task role's credentials and S3 endpoint the corpus signs with (made up: nothing leaves 127.0.0.1). */
export const TASK_CREDENTIALS: Credentials = {
  accessKeyId: "ASIAEXAMPLETASKROLE",
  secretAccessKey: "task-role-secret-for-the-security-corpus",
  sessionToken: "task-role-session-token",
};
export const S3_ENDPOINT: S3Endpoint = { host: "s3.eu-west-1.amazonaws.com", region: "eu-west-1" };

/** A request as S3 would receive it. */
export interface UpstreamRequest {
  readonly method: string;
  /** Path and query. */
  readonly target: string;
  /** Lower-case names; a repeated client header keeps its values joined with ",". */
  readonly headers: Record<string, string>;
}

/**
 * What Envoy forwards to S3 after a 200 from the authorizer (envoy-templates and the gateway
 * emulator): client headers in the internal namespaces are stripped before anything else, the
 * headers named in `x-envoy-auth-headers-to-remove` and those the authorizer sets
 * (`allowed_upstream_headers`, the contract's list) are replaced by the authorizer's, the Lua
 * filter swaps `:path` for `x-rajee-upstream-path`, and the route rewrites `host` to the endpoint.
 */
export function upstreamFromAnswer(
  method: string,
  clientTarget: string,
  clientHeaders: Readonly<Record<string, string | readonly string[]>>,
  answer: Readonly<Record<string, string | string[] | undefined>>,
): UpstreamRequest {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(clientHeaders)) {
    const lower = name.toLowerCase();
    if (REMOVED_REQUEST_HEADER_PREFIXES.some((p) => lower.startsWith(p))) continue;
    headers[lower] = typeof value === "string" ? value : value.join(",");
  }
  const remove = String(answer[HEADERS_TO_REMOVE] ?? "")
    .split(",")
    .map((h) => h.trim().toLowerCase())
    .filter((h) => h !== "" && h !== "host");
  for (const name of remove) delete headers[name];
  for (const name of EXT_AUTHZ_ALLOWED_UPSTREAM_HEADERS) {
    const value = answer[name];
    if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(",") : value;
  }
  let target = clientTarget;
  const swapped = headers[UPSTREAM_PATH_HEADER];
  if (swapped !== undefined) {
    target = swapped;
    delete headers[UPSTREAM_PATH_HEADER];
  }
  headers.host = S3_ENDPOINT.host;
  return { method, target, headers };
}
