/**
 * What the processes of one gateway task tell each other on the wire (the ports, the health paths,
 * the header the authorizer hands Envoy, the DeleteObjects body limit) and the stop budget they
 * share. Envoy's settings, the modules that write the task and the load balancer, the authorizer
 * and the local emulator import these; none of them writes the values again. Pure data.
 */

/** Every process in the task binds or calls this address for task-internal traffic. */
export const LOOPBACK = "127.0.0.1";

/** Envoy's S3 listener: the ALB target port. */
export const ENVOY_LISTENER_PORT = 8080;
/** Envoy's health listener, checked by the ALB (readiness) and the container health check (liveness). */
export const ENVOY_HEALTH_PORT = 8081;
/** Envoy's admin interface, on {@link LOOPBACK} only. */
export const ENVOY_ADMIN_PORT = 9901;
/** The authorizer's check port, on {@link LOOPBACK}: every path on it is a client request to judge. */
export const AUTHORIZER_PORT = 9000;
/** The authorizer's operations port, on {@link LOOPBACK}: health and metrics. */
export const AUTHORIZER_ADMIN_PORT = 9001;

/** Readiness on Envoy's health listener, for the ALB: 503 while the authorizer is unready or Envoy drains. */
export const ENVOY_READY_PATH = "/ready";
/** Liveness on Envoy's health listener, for the container health check: a direct 200 from Envoy alone. */
export const ENVOY_LIVE_PATH = "/live";
/** Readiness on the authorizer's operations port (keys and deny list fresh), for Envoy's cluster health check. */
export const AUTHORIZER_READY_PATH = "/readyz";
/** Liveness on the authorizer's operations port (the process answers), for the container health check. */
export const AUTHORIZER_LIVE_PATH = "/healthz";
/** Prometheus metrics on the authorizer's operations port. */
export const AUTHORIZER_METRICS_PATH = "/metrics";

/**
 * Longest time ECS on Fargate allows between SIGTERM and SIGKILL (a container's `stopTimeout`):
 * Envoy's drain and both containers' stop timeouts must fit in it.
 */
export const ECS_MAX_STOP_TIMEOUT_SECONDS = 120;
/**
 * Seconds kept between the end of a drain and ECS's SIGKILL: Envoy's drain and the authorizer's
 * shutdown wait each end at least this long before {@link ECS_MAX_STOP_TIMEOUT_SECONDS}.
 */
export const STOP_TIMEOUT_MARGIN_SECONDS = 10;

/** Header the authorizer sets when the upstream path differs from the client's; Envoy moves it to `:path`. */
export const UPSTREAM_PATH_HEADER = "x-rajee-upstream-path";
/**
 * The client's own Content-Length, copied by Envoy (Lua, before ext_authz) because the check request
 * carries its own: the authorizer needs the client's value to verify a signature that covers it.
 * Its `x-rajee-` prefix is stripped from client requests first, and it is removed before S3.
 */
export const CLIENT_CONTENT_LENGTH_HEADER = "x-rajee-client-content-length";

/**
 * Headers a denial carries besides its XML body: the S3 error code and message, as S3's website
 * endpoints send them, so a HEAD (whose answer has no body) still says why. Envoy passes them to
 * the client (ext_authz `allowed_client_headers`).
 */
export const ERROR_CODE_HEADER = "x-amz-error-code";
export const ERROR_MESSAGE_HEADER = "x-amz-error-message";

/**
 * Largest DeleteObjects body Envoy buffers and the authorizer judges, bytes: 1000 keys of 1024 bytes
 * plus XML framing fit in 2 MiB. Above it Envoy answers 413 before any check.
 */
/** The largest `downstreamHttp.maxHeadersCount` the Envoy settings accept (Envoy's own default is 100). */
export const ENVOY_MAX_HEADERS_COUNT_LIMIT = 10_000;

/**
 * Headers the authorizer's check port reads per request (Node's `maxHeadersCount`, whose default of
 * 2,000 drops the rest silently): room for all Envoy may forward plus those it adds to the check. A
 * request that reaches it may have lost headers, so it is refused, never judged.
 */
export const CHECK_MAX_HEADERS_COUNT = ENVOY_MAX_HEADERS_COUNT_LIMIT + 100;

export const DELETE_OBJECTS_MAX_BODY_BYTES = 2 * 1024 * 1024;

/**
 * The load balancer's limits on one request header and on the request line, bytes (Application Load
 * Balancer quotas, "HTTP headers": request line 16K, single header 16K, whole request headers 64K;
 * https://docs.aws.amazon.com/elasticloadbalancing/latest/application/load-balancer-limits.html).
 * A token travels in one header (`X-Amz-Security-Token`, `Authorization: Bearer`) or, presigned, in
 * the query string of the request line.
 */
export const ALB_MAX_HEADER_BYTES = 16 * 1024;
export const ALB_MAX_REQUEST_LINE_BYTES = 16 * 1024;

/**
 * Longest encoded token (the compact JWT, the session token) the issuer and `rajee token mint` hand
 * out, bytes: half of {@link ALB_MAX_HEADER_BYTES}, leaving room in a presigned URL's request line for
 * the path, the other query parameters and the signature. Envoy's `max_request_headers_kb` and the
 * authorizer's header limit are above it (tests/src/contracts/gateway.test.ts).
 */
export const TOKEN_MAX_ENCODED_BYTES = 8 * 1024;

/** Why a token of `bytes` is refused, naming the size, the limit and the fix; undefined when it fits. */
export function tokenSizeProblem(bytes: number, grants: number): string | undefined {
  if (bytes <= TOKEN_MAX_ENCODED_BYTES) return undefined;
  return (
    `the token would be ${bytes} bytes, over the ${TOKEN_MAX_ENCODED_BYTES}-byte limit ` +
    `(the load balancer refuses a header or request line over ${ALB_MAX_HEADER_BYTES} bytes, and presigned URLs carry the token); ` +
    `its ${grants} grant(s) are too many or too long: ask for fewer, wider grants (a shared prefix instead of many keys)`
  );
}
