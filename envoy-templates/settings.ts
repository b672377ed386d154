import { ConfigError } from "../src/config-error";
import { isQualifiedHostName, isRegion, REGION_EXAMPLE } from "../src/contracts/aws-names";
import {
  AUTHORIZER_ADMIN_PORT,
  AUTHORIZER_PORT,
  AUTHORIZER_READY_PATH,
  DELETE_OBJECTS_MAX_BODY_BYTES,
  ECS_MAX_STOP_TIMEOUT_SECONDS,
  ENVOY_ADMIN_PORT,
  ENVOY_HEALTH_PORT,
  ENVOY_LISTENER_PORT,
  ENVOY_LIVE_PATH,
  ENVOY_READY_PATH,
  ERROR_CODE_HEADER,
  ERROR_MESSAGE_HEADER,
  LOOPBACK,
  STOP_TIMEOUT_MARGIN_SECONDS,
  UPSTREAM_PATH_HEADER,
  CLIENT_CONTENT_LENGTH_HEADER,
  ENVOY_MAX_HEADERS_COUNT_LIMIT,
} from "../src/contracts/gateway";
import { COLLECTOR_OTLP_GRPC_PORT, ENVOY_SERVICE_NAME, ENVOY_STATS_PORT } from "../src/contracts/telemetry";

/**
 * What an operator (or an environment file) may set for the Envoy side of the task. Everything not
 * listed here is fixed by the design (fail-closed ext_authz, path handling, header lists) and is
 * exposed read-only on {@link EnvoySettings}.
 */
export interface EnvoySettingsInput {
  /** AWS region of the buckets, e.g. `eu-west-1`. */
  readonly s3Region: string;
  /** Host name of the S3 endpoint Envoy forwards to and the authorizer signs for. @default `s3.<s3Region>.amazonaws.com` */
  readonly s3Endpoint?: string;
  /** Port of the S3 listener (the ALB target port). @default 8080 */
  readonly listenerPort?: number;
  /** Port of the health listener the ALB target group checks (`GET /ready`). @default 8081 */
  readonly healthPort?: number;
  /** Port of Envoy's admin interface, bound to 127.0.0.1. @default 9901 */
  readonly adminPort?: number;
  /** Port of the authorizer's check endpoint on 127.0.0.1. @default 9000 */
  readonly authorizerPort?: number;
  /** Port of the authorizer's operations endpoint (`/readyz`) on 127.0.0.1. @default 9001 */
  readonly authorizerAdminPort?: number;
  /** How long Envoy waits for the authorizer's answer before failing closed with 503, ms. @default 1000 */
  readonly authorizerTimeoutMs?: number;
  /** Interval between active health checks of the authorizer's `/readyz`, ms. @default 5000 */
  readonly authorizerHealthCheckIntervalMs?: number;
  /**
   * Seconds Envoy spends draining connections after it is told to stop; the ECS stop timeout must
   * be longer (see {@link EnvoySettings.stopTimeoutSeconds}). @default 20
   */
  readonly drainTimeSeconds?: number;
  /** TCP connect timeout to S3, ms. @default 3000 */
  readonly s3ConnectTimeoutMs?: number;
  /** Idle time after which a pooled S3 connection is closed, seconds. @default 30 */
  readonly s3IdleTimeoutSeconds?: number;
  /** Time a request or response may go without any bytes before Envoy resets it, seconds. @default 120 */
  readonly streamIdleTimeoutSeconds?: number;
  /** Time a client has to send all request headers, seconds. @default 10 */
  readonly requestHeadersTimeoutSeconds?: number;
  /**
   * Idle time after which a client (ALB) connection is closed, seconds. Must be strictly above the
   * ALB's idle timeout (120 s), or Envoy closes connections the ALB still reuses and clients see
   * intermittent 502s (checked at synth, stacks/invariants.ts). @default 180
   */
  readonly downstreamIdleTimeoutSeconds?: number;
  /** Circuit breaker: open connections to S3. @default 1024 */
  readonly s3MaxConnections?: number;
  /** Circuit breaker: requests waiting for an S3 connection. @default 1024 */
  readonly s3MaxPendingRequests?: number;
  /** Circuit breaker: requests in flight to S3. @default 1024 */
  readonly s3MaxRequests?: number;
  /** Retries of a GET or HEAD that failed to connect, was reset, or got a 5xx from S3. @default 2 */
  readonly s3RetryCount?: number;
  /** First retry back-off, ms (later ones grow exponentially up to 10x). @default 100 */
  readonly s3RetryBaseIntervalMs?: number;
  /** Circuit breaker: checks in flight to the authorizer. @default 1024 */
  readonly authorizerMaxRequests?: number;
  /** Concurrent client connections Envoy accepts before refusing new ones. @default 10000 */
  readonly maxDownstreamConnections?: number;
  /** Heap size at which Envoy's overload manager stops accepting requests (98 %), bytes. @default 201326592 (192 MiB) */
  readonly maxHeapSizeBytes?: number;
  /** Concurrent HTTP/2 streams per client connection. @default 100 */
  readonly http2MaxConcurrentStreams?: number;
  /**
   * Accept HTTP/1.0 requests on the S3 listener (`http_protocol_options.accept_http_10`); when
   * false Envoy answers them with 426. @default false
   */
  readonly acceptHttp10?: boolean;
  /**
   * What the S3 listener does with a request header whose name holds `_`
   * (`headers_with_underscores_action`): `REJECT_REQUEST` (400), `DROP_HEADER` or `ALLOW`. S3 user
   * metadata names may hold `_` (boto3 `Metadata={"original_name": ...}`) and S3 does not fold `_`
   * into `-`, so the gateway keeps them and the authorizer signs them as sent.
   * @default "ALLOW"
   */
  readonly headersWithUnderscoresAction?: HeadersWithUnderscoresAction;
  /** Largest request head (URL plus header names and values) the S3 listener accepts, KiB; above it 431. @default 60 */
  readonly maxRequestHeadersKb?: number;
  /** Most request headers the S3 listener accepts; above it 431. @default 100 */
  readonly maxHeadersCount?: number;
  /** Spans of requests sent to the collector in the task (OpenTelemetry tracer). @default none: no tracing */
  readonly tracing?: EnvoyTracingInput;
}

/** Envoy's tracing: what share of requests start a trace. */
export interface EnvoyTracingInput {
  /** Share of requests without a sampling decision that are traced, 0-1 (the connection manager's `random_sampling`). */
  readonly samplingRatio: number;
  /** OTLP/gRPC port of the collector on 127.0.0.1. @default COLLECTOR_OTLP_GRPC_PORT (4317) */
  readonly collectorPort?: number;
}

/** Envoy's tracing, resolved. */
export interface EnvoyTracingSettings {
  readonly samplingRatio: number;
  readonly collectorAddress: typeof LOOPBACK;
  readonly collectorPort: number;
  /** The tracer's `service_name`. */
  readonly serviceName: string;
  /** Longest wait for one export to the collector, ms. */
  readonly exportTimeoutMs: number;
  /** Port of the stats-only listener on 127.0.0.1 the collector scrapes (ENVOY_STATS_PORT). */
  readonly statsPort: number;
}

/** Envoy's `HttpProtocolOptions.HeadersWithUnderscoresAction`. */
export type HeadersWithUnderscoresAction = "ALLOW" | "REJECT_REQUEST" | "DROP_HEADER";
export const HEADERS_WITH_UNDERSCORES_ACTIONS: readonly HeadersWithUnderscoresAction[] = Object.freeze(["ALLOW", "REJECT_REQUEST", "DROP_HEADER"]);

/**
 * How the S3 listener's HTTP/1 codec and connection manager treat a client request before any
 * filter runs. The renderer writes these into the connection manager; the gateway emulator
 * applies the same rules (bin/dev/envoy-request-head.ts).
 */
export interface DownstreamHttpSettings {
  readonly acceptHttp10: boolean;
  readonly headersWithUnderscoresAction: HeadersWithUnderscoresAction;
  readonly maxRequestHeadersKb: number;
  readonly maxHeadersCount: number;
  /** Always `false`: Envoy answers `Expect: 100-continue` itself and removes the header. */
  readonly proxy100Continue: false;
}

/** A case-insensitive header match as data: exact names and name prefixes, all lower case. */
export interface HeaderNameSet {
  readonly exact: readonly string[];
  readonly prefixes: readonly string[];
}

/** The ext_authz contract, as plain data, so a Node emulator of this Envoy behaves the same. */
export interface ExtAuthzSettings {
  /** Always `false`: an error talking to the authorizer never lets a request through. */
  readonly failureModeAllow: false;
  /** Status the client gets when the authorizer errors, times out or is unreachable. */
  readonly statusOnError: 503;
  /** Time budget of one check, ms (the `server_uri.timeout`). */
  readonly timeoutMs: number;
  /** Header values sent raw, as bytes, never UTF-8 sanitised or comma-joined. */
  readonly encodeRawHeaders: true;
  /** Client request headers sent to the authorizer beyond Envoy's defaults (`:method`, `:path`, `:authority`, `authorization`). */
  readonly allowedRequestHeaders: HeaderNameSet;
  /** Authorizer response headers copied (overwriting) onto the upstream request on 200. */
  readonly allowedUpstreamHeaders: readonly string[];
  /** Authorizer response headers passed to the client on a denial. */
  readonly allowedClientHeaders: readonly string[];
  /** Client request headers removed before the check, by name prefix, so only the authorizer can set them. */
  readonly removedRequestHeaderPrefixes: readonly string[];
  /** Header the authorizer sets when the upstream path differs from the client's; a Lua filter moves it to `:path`. */
  readonly upstreamPathHeader: string;
  /** Header a Lua filter copies the client's Content-Length into before the check (the check request replaces it); removed before S3. */
  readonly clientContentLengthHeader: string;
  /** The only route that buffers the request body and sends it to the authorizer. */
  readonly deleteObjects: DeleteObjectsRoute;
}

/** DeleteObjects route: `POST` with the `delete` query parameter present (with or without `=`). */
export interface DeleteObjectsRoute {
  readonly method: "POST";
  readonly queryParameter: "delete";
  /** Bodies longer than this get 413 from Envoy before any check (1000 keys of 1024 bytes fit). */
  readonly maxRequestBytes: number;
  /** Always `false`: a truncated body is never sent to the authorizer. */
  readonly allowPartialMessage: false;
}

/** Path handling: nothing is rewritten, so the authorizer and S3 see the same bytes. */
export interface PathSettings {
  readonly normalizePath: false;
  readonly mergeSlashes: false;
  readonly escapedSlashesAction: "KEEP_UNCHANGED";
}

/** The validated, complete settings the renderer (and the gateway emulator) read. Frozen. */
export interface EnvoySettings {
  readonly s3Region: string;
  readonly s3Endpoint: string;
  /** S3 is always reached over TLS on 443 with SNI and certificate validation. */
  readonly s3Port: 443;
  /** CA bundle in the Envoy image used to validate S3's certificate. */
  readonly s3TrustedCaFile: string;
  readonly listenerAddress: "0.0.0.0";
  readonly listenerPort: number;
  readonly healthPort: number;
  /** Path the ALB target group checks on the health listener: readiness (503 while the authorizer is unready or Envoy drains). */
  readonly healthPath: typeof ENVOY_READY_PATH;
  /** Path the Envoy container health check GETs on the health listener: liveness, a direct 200 from Envoy alone. */
  readonly livePath: typeof ENVOY_LIVE_PATH;
  readonly adminAddress: typeof LOOPBACK;
  readonly adminPort: number;
  readonly authorizerAddress: typeof LOOPBACK;
  readonly authorizerPort: number;
  readonly authorizerAdminPort: number;
  /** Path on the authorizer's operations port that Envoy health-checks. */
  readonly authorizerReadyPath: typeof AUTHORIZER_READY_PATH;
  readonly authorizerHealthCheckIntervalMs: number;
  readonly authorizerHealthCheckTimeoutMs: number;
  readonly authorizerMaxRequests: number;
  readonly extAuthz: ExtAuthzSettings;
  readonly paths: PathSettings;
  readonly drainTimeSeconds: number;
  /**
   * Seconds Envoy's entrypoint needs from SIGTERM to exit: the drain time plus a margin. The Envoy
   * container's ECS `stopTimeout` must hold this plus the ALB's deregistration delay (checked at
   * synth, stacks/invariants.ts).
   */
  readonly stopTimeoutSeconds: number;
  readonly s3ConnectTimeoutMs: number;
  readonly s3IdleTimeoutSeconds: number;
  readonly streamIdleTimeoutSeconds: number;
  readonly requestHeadersTimeoutSeconds: number;
  readonly downstreamIdleTimeoutSeconds: number;
  readonly s3MaxConnections: number;
  readonly s3MaxPendingRequests: number;
  readonly s3MaxRequests: number;
  readonly s3RetryCount: number;
  readonly s3RetryBaseIntervalMs: number;
  /** HTTP methods whose S3 requests are retried; requests with bodies never are. */
  readonly s3RetryMethods: readonly string[];
  /** S3 statuses that trigger a retry of an idempotent request. */
  readonly s3RetriableStatusCodes: readonly number[];
  readonly maxDownstreamConnections: number;
  readonly maxHeapSizeBytes: number;
  readonly http2MaxConcurrentStreams: number;
  /** The S3 listener's HTTP/1 request rules (see {@link DownstreamHttpSettings}). */
  readonly downstreamHttp: DownstreamHttpSettings;
  /** Bytes buffered per client connection before back-pressure; at least the DeleteObjects body limit. */
  readonly perConnectionBufferLimitBytes: number;
  /** Field names of the JSON access log line, which never include auth headers or the query. */
  readonly accessLogFields: readonly string[];
  /** The OpenTelemetry tracer; undefined: Envoy traces nothing. */
  readonly tracing: EnvoyTracingSettings | undefined;
}

// The port defaults are the gateway contract's (src/contracts/gateway.ts), shared with the modules and the authorizer.
export const DEFAULT_LISTENER_PORT = ENVOY_LISTENER_PORT;
export const DEFAULT_HEALTH_PORT = ENVOY_HEALTH_PORT;
export const DEFAULT_ADMIN_PORT = ENVOY_ADMIN_PORT;
export const DEFAULT_AUTHORIZER_PORT = AUTHORIZER_PORT;
export const DEFAULT_AUTHORIZER_ADMIN_PORT = AUTHORIZER_ADMIN_PORT;
export const DEFAULT_AUTHORIZER_TIMEOUT_MS = 1000;
export const DEFAULT_AUTHORIZER_HEALTH_CHECK_INTERVAL_MS = 5000;
export const DEFAULT_DRAIN_TIME_SECONDS = 20;
export const DEFAULT_S3_CONNECT_TIMEOUT_MS = 3000;
export const DEFAULT_S3_IDLE_TIMEOUT_SECONDS = 30;
export const DEFAULT_STREAM_IDLE_TIMEOUT_SECONDS = 120;
export const DEFAULT_REQUEST_HEADERS_TIMEOUT_SECONDS = 10;
export const DEFAULT_DOWNSTREAM_IDLE_TIMEOUT_SECONDS = 180;
export const DEFAULT_S3_MAX_CONNECTIONS = 1024;
export const DEFAULT_S3_MAX_PENDING_REQUESTS = 1024;
export const DEFAULT_S3_MAX_REQUESTS = 1024;
export const DEFAULT_S3_RETRY_COUNT = 2;
export const DEFAULT_S3_RETRY_BASE_INTERVAL_MS = 100;
export const DEFAULT_AUTHORIZER_MAX_REQUESTS = 1024;
export const DEFAULT_MAX_DOWNSTREAM_CONNECTIONS = 10_000;
export const DEFAULT_MAX_HEAP_SIZE_BYTES = 192 * 1024 * 1024;
export const DEFAULT_HTTP2_MAX_CONCURRENT_STREAMS = 100;
export const DEFAULT_HEADERS_WITH_UNDERSCORES_ACTION: HeadersWithUnderscoresAction = "ALLOW";
/** Envoy's own default for `max_request_headers_kb`. */
export const DEFAULT_MAX_REQUEST_HEADERS_KB = 60;
/** Envoy's own default for `max_headers_count`. */
export const DEFAULT_MAX_HEADERS_COUNT = 100;

/** ECS allows at most 120 s between SIGTERM and SIGKILL (the gateway contract's bound, shared with ProxyService). */
export { ECS_MAX_STOP_TIMEOUT_SECONDS };
/** Seconds between the end of Envoy's drain and ECS's SIGKILL (the gateway contract's margin). */
export { STOP_TIMEOUT_MARGIN_SECONDS };

/**
 * Headers sent to the authorizer beyond Envoy's defaults: what its classifier and signer read, and
 * every header an S3 client may sign, so it can verify the client's signature. Captured signed
 * lists (tests/envoy-templates/client-signed-headers.test.ts): aws cli v1/v2 and boto3 sign
 * content-md5, content-type, range, if-match and x-amz-*; SDK v3 also content-length,
 * amz-sdk-invocation-id and amz-sdk-request; rclone and s3cmd content-length, and rclone
 * accept-encoding on downloads (it sets `gzip` itself, to keep Go from decompressing). The client's
 * content-length reaches the authorizer as CLIENT_CONTENT_LENGTH_HEADER: the check request's own
 * Content-Length replaces it (Envoy's ext_authz_http_impl.cc).
 */
export const EXT_AUTHZ_ALLOWED_REQUEST_HEADERS: HeaderNameSet = Object.freeze({
  exact: Object.freeze([
    "authorization",
    "content-md5",
    "content-type",
    "content-encoding",
    "x-request-id",
    "content-disposition",
    "content-language",
    "cache-control",
    "expires",
    "date",
    "range",
    "if-match",
    "if-none-match",
    "if-modified-since",
    "if-unmodified-since",
    "accept-encoding",
    CLIENT_CONTENT_LENGTH_HEADER,
  ]),
  prefixes: Object.freeze(["x-amz-", "amz-sdk-"]),
});

/** Exactly the headers the authorizer returns on 200 (docs/design.md section 5). */
export const EXT_AUTHZ_ALLOWED_UPSTREAM_HEADERS: readonly string[] = Object.freeze([
  "authorization",
  "x-amz-date",
  "x-amz-security-token",
  "x-amz-content-sha256",
  UPSTREAM_PATH_HEADER,
  "x-amz-copy-source",
]);

/** What a denial carries to the client besides its status and XML body. */
export const EXT_AUTHZ_ALLOWED_CLIENT_HEADERS: readonly string[] = Object.freeze([
  "content-type",
  "x-amz-request-id",
  "retry-after",
  ERROR_CODE_HEADER,
  ERROR_MESSAGE_HEADER,
]);

/** Internal header namespaces a client must never be able to set. */
export const REMOVED_REQUEST_HEADER_PREFIXES: readonly string[] = Object.freeze(["x-rajee-", "x-envoy-"]);


/** CA bundle shipped in the envoyproxy/envoy image (Ubuntu `ca-certificates`). */
export const S3_TRUSTED_CA_FILE = "/etc/ssl/certs/ca-certificates.crt";

export const ACCESS_LOG_FIELDS: readonly string[] = Object.freeze([
  "start_time",
  "request_id",
  "method",
  "path",
  "protocol",
  "authority",
  "upstream_path",
  "status",
  "response_flags",
  "response_code_details",
  "bytes_received",
  "bytes_sent",
  "duration_ms",
  "request_duration_ms",
  "request_tx_duration_ms",
  "response_duration_ms",
  "upstream_host",
  "upstream_failure",
  "s3_request_id",
  "client_ip",
  "user_agent",
]);

function integerIn(name: string, value: number, min: number, max: number, unit = ""): number {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new ConfigError(`envoy: ${name}=${String(value)} is not an integer in ${min}-${max}${unit}; use a value in that range`);
  }
  return value;
}

function port(name: string, value: number): number {
  return integerIn(name, value, 1, 65535);
}

/**
 * Validates the input, applies the defaults once, and returns frozen settings. Throws one
 * `ConfigError` naming the setting, the bad value and the fix.
 */
export function envoySettings(input: EnvoySettingsInput): EnvoySettings {
  if (!isRegion(input?.s3Region)) {
    throw new ConfigError(`envoy: s3Region=${JSON.stringify(input?.s3Region)} is not an AWS region name; use e.g. "${REGION_EXAMPLE}"`);
  }
  const s3Endpoint = input.s3Endpoint ?? `s3.${input.s3Region}.amazonaws.com`;
  if (!isQualifiedHostName(s3Endpoint)) {
    throw new ConfigError(
      `envoy: s3Endpoint=${JSON.stringify(s3Endpoint)} is not a lower-case DNS host name; use a host without scheme or port, e.g. "s3.${input.s3Region}.amazonaws.com"`,
    );
  }

  const listenerPort = port("listenerPort", input.listenerPort ?? DEFAULT_LISTENER_PORT);
  const healthPort = port("healthPort", input.healthPort ?? DEFAULT_HEALTH_PORT);
  const adminPort = port("adminPort", input.adminPort ?? DEFAULT_ADMIN_PORT);
  const authorizerPort = port("authorizerPort", input.authorizerPort ?? DEFAULT_AUTHORIZER_PORT);
  const authorizerAdminPort = port("authorizerAdminPort", input.authorizerAdminPort ?? DEFAULT_AUTHORIZER_ADMIN_PORT);
  const ports: Record<string, number> = { listenerPort, healthPort, adminPort, authorizerPort, authorizerAdminPort };
  const seen = new Map<number, string>();
  for (const [name, value] of Object.entries(ports)) {
    const other = seen.get(value);
    if (other !== undefined) {
      throw new ConfigError(`envoy: ${name}=${value} is the same as ${other}; every port in the task must be distinct`);
    }
    seen.set(value, name);
  }

  const authorizerTimeoutMs = integerIn("authorizerTimeoutMs", input.authorizerTimeoutMs ?? DEFAULT_AUTHORIZER_TIMEOUT_MS, 50, 30_000, " ms");
  const authorizerHealthCheckIntervalMs = integerIn(
    "authorizerHealthCheckIntervalMs",
    input.authorizerHealthCheckIntervalMs ?? DEFAULT_AUTHORIZER_HEALTH_CHECK_INTERVAL_MS,
    1000,
    60_000,
    " ms",
  );
  const drainTimeSeconds = integerIn(
    "drainTimeSeconds",
    input.drainTimeSeconds ?? DEFAULT_DRAIN_TIME_SECONDS,
    1,
    ECS_MAX_STOP_TIMEOUT_SECONDS - STOP_TIMEOUT_MARGIN_SECONDS,
    ` s (ECS stop timeout is at most ${ECS_MAX_STOP_TIMEOUT_SECONDS} s and needs a ${STOP_TIMEOUT_MARGIN_SECONDS} s margin)`,
  );
  const s3ConnectTimeoutMs = integerIn("s3ConnectTimeoutMs", input.s3ConnectTimeoutMs ?? DEFAULT_S3_CONNECT_TIMEOUT_MS, 100, 60_000, " ms");
  const s3IdleTimeoutSeconds = integerIn("s3IdleTimeoutSeconds", input.s3IdleTimeoutSeconds ?? DEFAULT_S3_IDLE_TIMEOUT_SECONDS, 1, 3600, " s");
  const streamIdleTimeoutSeconds = integerIn(
    "streamIdleTimeoutSeconds",
    input.streamIdleTimeoutSeconds ?? DEFAULT_STREAM_IDLE_TIMEOUT_SECONDS,
    5,
    3600,
    " s",
  );
  const requestHeadersTimeoutSeconds = integerIn(
    "requestHeadersTimeoutSeconds",
    input.requestHeadersTimeoutSeconds ?? DEFAULT_REQUEST_HEADERS_TIMEOUT_SECONDS,
    1,
    300,
    " s",
  );
  const downstreamIdleTimeoutSeconds = integerIn(
    "downstreamIdleTimeoutSeconds",
    input.downstreamIdleTimeoutSeconds ?? DEFAULT_DOWNSTREAM_IDLE_TIMEOUT_SECONDS,
    1,
    4000,
    " s",
  );
  const s3MaxConnections = integerIn("s3MaxConnections", input.s3MaxConnections ?? DEFAULT_S3_MAX_CONNECTIONS, 1, 1_000_000);
  const s3MaxPendingRequests = integerIn("s3MaxPendingRequests", input.s3MaxPendingRequests ?? DEFAULT_S3_MAX_PENDING_REQUESTS, 1, 1_000_000);
  const s3MaxRequests = integerIn("s3MaxRequests", input.s3MaxRequests ?? DEFAULT_S3_MAX_REQUESTS, 1, 1_000_000);
  const s3RetryCount = integerIn("s3RetryCount", input.s3RetryCount ?? DEFAULT_S3_RETRY_COUNT, 0, 5);
  const s3RetryBaseIntervalMs = integerIn("s3RetryBaseIntervalMs", input.s3RetryBaseIntervalMs ?? DEFAULT_S3_RETRY_BASE_INTERVAL_MS, 1, 10_000, " ms");
  const authorizerMaxRequests = integerIn("authorizerMaxRequests", input.authorizerMaxRequests ?? DEFAULT_AUTHORIZER_MAX_REQUESTS, 1, 1_000_000);
  const maxDownstreamConnections = integerIn(
    "maxDownstreamConnections",
    input.maxDownstreamConnections ?? DEFAULT_MAX_DOWNSTREAM_CONNECTIONS,
    1,
    1_000_000,
  );
  const maxHeapSizeBytes = integerIn("maxHeapSizeBytes", input.maxHeapSizeBytes ?? DEFAULT_MAX_HEAP_SIZE_BYTES, 32 * 1024 * 1024, 64 * 1024 ** 3, " bytes");
  const http2MaxConcurrentStreams = integerIn(
    "http2MaxConcurrentStreams",
    input.http2MaxConcurrentStreams ?? DEFAULT_HTTP2_MAX_CONCURRENT_STREAMS,
    1,
    2_147_483_647,
  );

  const acceptHttp10 = input.acceptHttp10 ?? false;
  if (typeof acceptHttp10 !== "boolean") {
    throw new ConfigError(`envoy: acceptHttp10=${JSON.stringify(acceptHttp10)} is not a boolean; use true or false`);
  }
  const headersWithUnderscoresAction = input.headersWithUnderscoresAction ?? DEFAULT_HEADERS_WITH_UNDERSCORES_ACTION;
  if (!HEADERS_WITH_UNDERSCORES_ACTIONS.includes(headersWithUnderscoresAction)) {
    throw new ConfigError(
      `envoy: headersWithUnderscoresAction=${JSON.stringify(headersWithUnderscoresAction)} is not an Envoy action; use one of ${HEADERS_WITH_UNDERSCORES_ACTIONS.join(", ")}`,
    );
  }
  // Envoy's proto bounds: max_request_headers_kb in 1-8192, max_headers_count at least 1.
  const maxRequestHeadersKb = integerIn("maxRequestHeadersKb", input.maxRequestHeadersKb ?? DEFAULT_MAX_REQUEST_HEADERS_KB, 1, 8192, " KiB");
  const maxHeadersCount = integerIn("maxHeadersCount", input.maxHeadersCount ?? DEFAULT_MAX_HEADERS_COUNT, 1, ENVOY_MAX_HEADERS_COUNT_LIMIT);

  let tracing: EnvoyTracingSettings | undefined;
  if (input.tracing !== undefined) {
    const ratio = input.tracing.samplingRatio;
    if (typeof ratio !== "number" || !Number.isFinite(ratio) || ratio < 0 || ratio > 1) {
      throw new ConfigError(`envoy: tracing.samplingRatio=${String(ratio)} is not a number in 0-1; use e.g. 0.05 (5% of requests)`);
    }
    const collectorPort = port("tracing.collectorPort", input.tracing.collectorPort ?? COLLECTOR_OTLP_GRPC_PORT);
    const other = seen.get(collectorPort);
    if (other !== undefined) throw new ConfigError(`envoy: tracing.collectorPort=${collectorPort} is the same as ${other}; every port in the task must be distinct`);
    if (seen.has(ENVOY_STATS_PORT) || collectorPort === ENVOY_STATS_PORT) {
      throw new ConfigError(`envoy: port ${ENVOY_STATS_PORT} is the stats listener's when tracing is on; give the other setting another port`);
    }
    tracing = Object.freeze({ samplingRatio: ratio, collectorAddress: LOOPBACK, collectorPort, serviceName: ENVOY_SERVICE_NAME, exportTimeoutMs: 250, statsPort: ENVOY_STATS_PORT });
  }

  // The health check must finish well inside its interval; a timeout of a fifth (capped) does.
  const authorizerHealthCheckTimeoutMs = Math.min(1000, Math.floor(authorizerHealthCheckIntervalMs / 5));

  return Object.freeze({
    s3Region: input.s3Region,
    s3Endpoint,
    s3Port: 443,
    s3TrustedCaFile: S3_TRUSTED_CA_FILE,
    listenerAddress: "0.0.0.0",
    listenerPort,
    healthPort,
    healthPath: ENVOY_READY_PATH,
    livePath: ENVOY_LIVE_PATH,
    adminAddress: LOOPBACK,
    adminPort,
    authorizerAddress: LOOPBACK,
    authorizerPort,
    authorizerAdminPort,
    authorizerReadyPath: AUTHORIZER_READY_PATH,
    authorizerHealthCheckIntervalMs,
    authorizerHealthCheckTimeoutMs,
    authorizerMaxRequests,
    extAuthz: Object.freeze({
      failureModeAllow: false,
      statusOnError: 503,
      timeoutMs: authorizerTimeoutMs,
      encodeRawHeaders: true,
      allowedRequestHeaders: EXT_AUTHZ_ALLOWED_REQUEST_HEADERS,
      allowedUpstreamHeaders: EXT_AUTHZ_ALLOWED_UPSTREAM_HEADERS,
      allowedClientHeaders: EXT_AUTHZ_ALLOWED_CLIENT_HEADERS,
      removedRequestHeaderPrefixes: REMOVED_REQUEST_HEADER_PREFIXES,
      upstreamPathHeader: UPSTREAM_PATH_HEADER,
      clientContentLengthHeader: CLIENT_CONTENT_LENGTH_HEADER,
      deleteObjects: Object.freeze({
        method: "POST",
        queryParameter: "delete",
        maxRequestBytes: DELETE_OBJECTS_MAX_BODY_BYTES,
        allowPartialMessage: false,
      }),
    }),
    paths: Object.freeze({ normalizePath: false, mergeSlashes: false, escapedSlashesAction: "KEEP_UNCHANGED" }),
    drainTimeSeconds,
    stopTimeoutSeconds: drainTimeSeconds + STOP_TIMEOUT_MARGIN_SECONDS,
    s3ConnectTimeoutMs,
    s3IdleTimeoutSeconds,
    streamIdleTimeoutSeconds,
    requestHeadersTimeoutSeconds,
    downstreamIdleTimeoutSeconds,
    s3MaxConnections,
    s3MaxPendingRequests,
    s3MaxRequests,
    s3RetryCount,
    s3RetryBaseIntervalMs,
    s3RetryMethods: Object.freeze(["GET", "HEAD"]),
    s3RetriableStatusCodes: Object.freeze([500, 502, 503, 504]),
    maxDownstreamConnections,
    maxHeapSizeBytes,
    http2MaxConcurrentStreams,
    downstreamHttp: Object.freeze({ acceptHttp10, headersWithUnderscoresAction, maxRequestHeadersKb, maxHeadersCount, proxy100Continue: false }),
    // The DeleteObjects body plus request headers must fit in the connection buffer.
    perConnectionBufferLimitBytes: DELETE_OBJECTS_MAX_BODY_BYTES + 64 * 1024,
    accessLogFields: ACCESS_LOG_FIELDS,
    tracing,
  });
}
