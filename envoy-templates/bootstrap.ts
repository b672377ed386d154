import { clientContentLengthLua, CLIENT_REQUEST_METADATA, recordClientRequestLua, refuseRepeatedHeadersLua, stripInternalHeadersLua, upstreamPathLua } from "./lua";
import { NOT_IMPLEMENTED_READS } from "../src/s3/not-implemented";
import { repeatedHeaderXml, SINGLE_VALUE_HEADERS } from "../src/s3/single-headers";
import { ENVOY_PROMETHEUS_PATH } from "../src/contracts/telemetry";
import type { EnvoySettings, HeaderNameSet } from "./settings";

/** JSON as Envoy's proto3 JSON mapping reads it. */
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

/** Envoy's default HTTP/2 GOAWAY interval, kept explicit. */
export const HTTP2_DRAIN_TIMEOUT_SECONDS = 5;

export const S3_CLUSTER = "s3";
export const AUTHORIZER_CLUSTER = "authorizer";
/** Envoy's own admin interface as a cluster, reached only through the stats listener. */
export const ADMIN_CLUSTER = "envoy_admin";
export const STATS_LISTENER = "stats";
/** The OpenTelemetry collector in the task (present only when tracing is on). */
export const COLLECTOR_CLUSTER = "otel_collector";
/** Span tag holding the ALB's `X-Amzn-Trace-Id`, so a trace leads to the load balancer's record. */
export const ALB_TRACE_TAG = "aws.alb.trace_id";
export const S3_LISTENER = "s3";
export const HEALTH_LISTENER = "health";

/** Filter names: per-route config is keyed by them, so they are fixed. */
export const FILTER = {
  stripInternalHeaders: "rajee.strip_internal_headers",
  refuseRepeatedHeaders: "rajee.refuse_repeated_headers",
  clientContentLength: "rajee.client_content_length",
  extAuthz: "envoy.filters.http.ext_authz",
  upstreamPath: "rajee.upstream_path",
  healthCheck: "envoy.filters.http.health_check",
  router: "envoy.filters.http.router",
} as const;

const TYPE = "type.googleapis.com/";
const T = {
  hcm: `${TYPE}envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager`,
  extAuthz: `${TYPE}envoy.extensions.filters.http.ext_authz.v3.ExtAuthz`,
  extAuthzPerRoute: `${TYPE}envoy.extensions.filters.http.ext_authz.v3.ExtAuthzPerRoute`,
  lua: `${TYPE}envoy.extensions.filters.http.lua.v3.Lua`,
  healthCheck: `${TYPE}envoy.extensions.filters.http.health_check.v3.HealthCheck`,
  router: `${TYPE}envoy.extensions.filters.http.router.v3.Router`,
  stdoutLog: `${TYPE}envoy.extensions.access_loggers.stream.v3.StdoutAccessLog`,
  reqWithoutQuery: `${TYPE}envoy.extensions.formatter.req_without_query.v3.ReqWithoutQuery`,
  upstreamTls: `${TYPE}envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext`,
  httpProtocolOptions: `${TYPE}envoy.extensions.upstreams.http.v3.HttpProtocolOptions`,
  downstreamConnections: `${TYPE}envoy.extensions.resource_monitors.downstream_connections.v3.DownstreamConnectionsConfig`,
  fixedHeap: `${TYPE}envoy.extensions.resource_monitors.fixed_heap.v3.FixedHeapConfig`,
  openTelemetry: `${TYPE}envoy.config.trace.v3.OpenTelemetryConfig`,
} as const;

/** Every `@type` the rendered config uses; the schema registry must resolve each. */
export const TYPED_CONFIG_TYPES: readonly string[] = Object.freeze(Object.values(T).map((t) => t.slice(TYPE.length)));

/** Proto3 JSON duration, e.g. 1500 ms -> "1.500s". */
export function duration(ms: number): string {
  if (!Number.isInteger(ms) || ms < 0) throw new Error(`duration ${ms} ms is not a non-negative integer`);
  return ms % 1000 === 0 ? `${ms / 1000}s` : `${Math.floor(ms / 1000)}.${String(ms % 1000).padStart(3, "0")}s`;
}

const seconds = (s: number): string => duration(s * 1000);

function socketAddress(address: string, port: number): JsonObject {
  return { socket_address: { address, port_value: port } };
}

/** A `ListStringMatcher` for header names: exact names and prefixes, case-insensitive. */
function headerMatcher(names: HeaderNameSet): JsonObject {
  return {
    patterns: [
      ...names.exact.map((exact) => ({ exact, ignore_case: true })),
      ...names.prefixes.map((prefix) => ({ prefix, ignore_case: true })),
    ],
  };
}

function exactHeaders(names: readonly string[]): JsonObject {
  return headerMatcher({ exact: names, prefixes: [] });
}

/**
 * JSON access log line: no auth headers, no query string (presigned URLs carry the token there).
 * `path` and `authority` are what the client sent, recorded by the first filter before any
 * rewrite (`-` when Envoy refused the request before its filters ran). Durations come from
 * Envoy's own timers: the router's `suppress_envoy_headers` removes x-envoy-upstream-service-time,
 * so a `%RESP(...)%` of it would always be `-`. Time at S3 is response_duration_ms - request_tx_duration_ms.
 */
function accessLog(): Json[] {
  const recorded = (key: string) => `%DYNAMIC_METADATA(${CLIENT_REQUEST_METADATA.namespace}:${key})%`;
  const format: Record<string, string> = {
    start_time: "%START_TIME%",
    request_id: "%REQ(X-REQUEST-ID)%",
    method: "%REQ(:METHOD)%",
    path: recorded(CLIENT_REQUEST_METADATA.pathKey),
    protocol: "%PROTOCOL%",
    authority: recorded(CLIENT_REQUEST_METADATA.authorityKey),
    // What S3 was sent: the path after the upstream-path rewrite, still without the query.
    upstream_path: "%REQ_WITHOUT_QUERY(:PATH)%",
    status: "%RESPONSE_CODE%",
    response_flags: "%RESPONSE_FLAGS%",
    response_code_details: "%RESPONSE_CODE_DETAILS%",
    bytes_received: "%BYTES_RECEIVED%",
    bytes_sent: "%BYTES_SENT%",
    duration_ms: "%DURATION%",
    request_duration_ms: "%REQUEST_DURATION%",
    request_tx_duration_ms: "%REQUEST_TX_DURATION%",
    response_duration_ms: "%RESPONSE_DURATION%",
    upstream_host: "%UPSTREAM_HOST%",
    upstream_failure: "%UPSTREAM_TRANSPORT_FAILURE_REASON%",
    s3_request_id: "%RESP(X-AMZ-REQUEST-ID)%",
    client_ip: "%DOWNSTREAM_REMOTE_ADDRESS_WITHOUT_PORT%",
    user_agent: "%REQ(USER-AGENT)%",
  };
  return [
    {
      name: "envoy.access_loggers.stdout",
      typed_config: {
        "@type": T.stdoutLog,
        log_format: {
          json_format: format,
          formatters: [{ name: "envoy.formatter.req_without_query", typed_config: { "@type": T.reqWithoutQuery } }],
        },
      },
    },
  ];
}

function s3RouteAction(s: EnvoySettings, retries: boolean): JsonObject {
  const action: JsonObject = {
    cluster: S3_CLUSTER,
    // The host the authorizer signed; S3 checks the signature over it.
    host_rewrite_literal: s.s3Endpoint,
    // No whole-request deadline: large objects stream for as long as bytes keep moving.
    timeout: "0s",
    idle_timeout: seconds(s.streamIdleTimeoutSeconds),
  };
  if (retries && s.s3RetryCount > 0) {
    action.retry_policy = {
      retry_on: "connect-failure,refused-stream,reset,retriable-status-codes",
      num_retries: s.s3RetryCount,
      retriable_status_codes: [...s.s3RetriableStatusCodes],
      retry_back_off: {
        base_interval: duration(s.s3RetryBaseIntervalMs),
        max_interval: duration(s.s3RetryBaseIntervalMs * 10),
      },
    };
  }
  return action;
}

function s3Routes(s: EnvoySettings): Json[] {
  const del = s.extAuthz.deleteObjects;
  const methodIs = (method: string) => ({ name: ":method", string_match: { exact: method } });
  return [
    {
      name: "delete_objects",
      match: {
        prefix: "/",
        headers: [methodIs(del.method)],
        query_parameters: [{ name: del.queryParameter, present_match: true }],
      },
      route: s3RouteAction(s, false),
      typed_per_filter_config: {
        [FILTER.extAuthz]: {
          "@type": T.extAuthzPerRoute,
          check_settings: {
            with_request_body: { max_request_bytes: del.maxRequestBytes, allow_partial_message: del.allowPartialMessage },
          },
        },
      },
    },
    // GET ?acl, ?cors, ?lifecycle: S3's 501 NotImplemented from Envoy itself, no check (src/s3/not-implemented.ts).
    ...NOT_IMPLEMENTED_READS.map((read) => ({
      name: read.routeName,
      match: { prefix: "/", headers: [methodIs(read.method)], query_parameters: [{ name: read.queryParameter, present_match: true }] },
      direct_response: { status: read.status, body: { inline_string: read.body } },
      response_headers_to_add: [{ header: { key: "content-type", value: read.contentType }, append_action: "OVERWRITE_IF_EXISTS_OR_ADD" }],
      typed_per_filter_config: { [FILTER.extAuthz]: { "@type": T.extAuthzPerRoute, disabled: true } },
    })),
    ...s.s3RetryMethods.map((method) => ({
      name: `${method.toLowerCase()}_retried`,
      match: { prefix: "/", headers: [methodIs(method)] },
      route: s3RouteAction(s, true),
    })),
    { name: "s3", match: { prefix: "/" }, route: s3RouteAction(s, false) },
  ];
}

function extAuthzFilter(s: EnvoySettings): JsonObject {
  const a = s.extAuthz;
  return {
    name: FILTER.extAuthz,
    typed_config: {
      "@type": T.extAuthz,
      transport_api_version: "V3",
      failure_mode_allow: a.failureModeAllow,
      status_on_error: { code: "ServiceUnavailable" },
      encode_raw_headers: a.encodeRawHeaders,
      clear_route_cache: false,
      validate_mutations: true,
      allowed_headers: headerMatcher(a.allowedRequestHeaders),
      http_service: {
        server_uri: {
          uri: `http://${s.authorizerAddress}:${s.authorizerPort}`,
          cluster: AUTHORIZER_CLUSTER,
          timeout: duration(a.timeoutMs),
        },
        authorization_response: {
          allowed_upstream_headers: exactHeaders(a.allowedUpstreamHeaders),
          allowed_client_headers: exactHeaders(a.allowedClientHeaders),
        },
      },
    },
  };
}

function luaFilter(name: string, code: string): JsonObject {
  return { name, typed_config: { "@type": T.lua, default_source_code: { inline_string: code } } };
}

/**
 * The connection manager's tracing (HttpConnectionManager.Tracing,
 * https://www.envoyproxy.io/docs/envoy/v1.34.10/api-v3/extensions/filters/network/http_connection_manager/v3/http_connection_manager.proto#extensions-filters-network-http-connection-manager-v3-httpconnectionmanager-tracing):
 * - `random_sampling`: percentage of requests traced when neither the client (`traceparent`
 *   sampled flag, `x-client-trace-id`) nor `x-envoy-force-trace` decided (default 100%);
 * - `custom_tags[].request_header`: a span tag from a request header; the ALB's `X-Amzn-Trace-Id`
 *   ties the span to the load balancer's access log and X-Ray record;
 * - `provider`: the OpenTelemetry tracer (`envoy.tracers.opentelemetry`, OpenTelemetryConfig,
 *   https://www.envoyproxy.io/docs/envoy/v1.34.10/api-v3/config/trace/v3/opentelemetry.proto):
 *   `grpc_service.envoy_grpc.cluster_name` is the cluster receiving OTLP over gRPC, `timeout` bounds
 *   each export (GrpcService, https://www.envoyproxy.io/docs/envoy/v1.34.10/api-v3/config/core/v3/grpc_service.proto),
 *   `service_name` becomes the spans' `service.name`.
 * ext_authz's HTTP client sends each check with the request's span as parent, so the authorizer
 * receives a `traceparent` naming the check's child span.
 */
function tracing(t: NonNullable<EnvoySettings["tracing"]>): JsonObject {
  return {
    random_sampling: { value: t.samplingRatio * 100 },
    custom_tags: [{ tag: ALB_TRACE_TAG, request_header: { name: "x-amzn-trace-id" } }],
    provider: {
      name: "envoy.tracers.opentelemetry",
      typed_config: {
        "@type": T.openTelemetry,
        grpc_service: { envoy_grpc: { cluster_name: COLLECTOR_CLUSTER }, timeout: duration(t.exportTimeoutMs) },
        service_name: t.serviceName,
      },
    },
  };
}

/**
 * The collector on the loopback address, spoken to over HTTP/2 (OTLP/gRPC). Not health-checked:
 * a missing collector loses spans, never requests (the tracer drops what it cannot send).
 */
function collectorCluster(t: NonNullable<EnvoySettings["tracing"]>): JsonObject {
  return {
    name: COLLECTOR_CLUSTER,
    type: "STATIC",
    connect_timeout: "0.250s",
    lb_policy: "ROUND_ROBIN",
    load_assignment: {
      cluster_name: COLLECTOR_CLUSTER,
      endpoints: [{ lb_endpoints: [{ endpoint: { address: socketAddress(t.collectorAddress, t.collectorPort) } }] }],
    },
    typed_extension_protocol_options: {
      "envoy.extensions.upstreams.http.v3.HttpProtocolOptions": {
        "@type": T.httpProtocolOptions,
        explicit_http_config: { http2_protocol_options: {} },
      },
    },
  };
}

/**
 * The stats-only listener for the collector, on 127.0.0.1: `GET /stats/prometheus` is routed to
 * the admin interface, every other method or path gets 403 from Envoy itself. The admin port also
 * serves mutating endpoints (`/quitquitquit`, `/runtime_modify`, `/healthcheck/fail`); the collector
 * is given this port instead (Envoy docs, "Administration interface": the admin interface should be
 * exposed only to trusted callers).
 */
function statsListener(t: NonNullable<EnvoySettings["tracing"]>): JsonObject {
  return loopbackListener({
    name: STATS_LISTENER,
    address: socketAddress(t.collectorAddress, t.statsPort),
    streamIdleTimeout: "30s",
    httpFilters: [{ name: FILTER.router, typed_config: { "@type": T.router, suppress_envoy_headers: true } }],
    routes: [
      {
        match: { path: ENVOY_PROMETHEUS_PATH, headers: [{ name: ":method", string_match: { exact: "GET" } }] },
        route: { cluster: ADMIN_CLUSTER, timeout: "10s" },
      },
      { match: { prefix: "/" }, direct_response: { status: 403 } },
    ],
  });
}

/** What differs between the two small listeners (health, stats): the rest is `loopbackListener`'s. */
interface LoopbackListener {
  /** Also the HCM's stat prefix, its route config's and its virtual host's name. */
  readonly name: string;
  readonly address: JsonObject;
  readonly streamIdleTimeout: string;
  /** `server_header_transformation`. @default Envoy's (OVERWRITE) */
  readonly serverHeader?: string;
  readonly httpFilters: JsonObject[];
  readonly routes: JsonObject[];
}

/** A small HTTP listener of Envoy's own (32 KiB buffers, 5 s header timeout, one virtual host for every domain). */
function loopbackListener(l: LoopbackListener): JsonObject {
  return {
    name: l.name,
    address: l.address,
    per_connection_buffer_limit_bytes: 32768,
    filter_chains: [
      {
        filters: [
          {
            name: "envoy.filters.network.http_connection_manager",
            typed_config: {
              "@type": T.hcm,
              stat_prefix: l.name,
              codec_type: "AUTO",
              ...(l.serverHeader === undefined ? {} : { server_header_transformation: l.serverHeader }),
              request_headers_timeout: "5s",
              stream_idle_timeout: l.streamIdleTimeout,
              http_filters: l.httpFilters,
              route_config: { name: l.name, virtual_hosts: [{ name: l.name, domains: ["*"], routes: l.routes }] },
            },
          },
        ],
      },
    ],
  };
}

function adminCluster(s: EnvoySettings): JsonObject {
  return {
    name: ADMIN_CLUSTER,
    type: "STATIC",
    connect_timeout: "0.250s",
    lb_policy: "ROUND_ROBIN",
    load_assignment: { cluster_name: ADMIN_CLUSTER, endpoints: [{ lb_endpoints: [{ endpoint: { address: socketAddress(s.adminAddress, s.adminPort) } }] }] },
  };
}

function s3Listener(s: EnvoySettings): JsonObject {
  const hcm: JsonObject = {
    "@type": T.hcm,
    stat_prefix: "s3_ingress",
    codec_type: "AUTO",
    // Behind the ALB: trust exactly one X-Forwarded-For hop, and treat no peer as internal, so
    // Envoy strips the x-envoy-* headers it knows from every request.
    use_remote_address: true,
    xff_num_trusted_hops: 1,
    internal_address_config: { cidr_ranges: [] },
    generate_request_id: true,
    preserve_external_request_id: true,
    always_set_request_id_in_response: true,
    server_header_transformation: "PASS_THROUGH",
    // The key the authorizer judges is the key S3 sees: no path rewriting of any kind.
    normalize_path: s.paths.normalizePath,
    merge_slashes: s.paths.mergeSlashes,
    path_with_escaped_slashes_action: s.paths.escapedSlashesAction,
    strip_matching_host_port: false,
    strip_trailing_host_dot: false,
    stream_idle_timeout: seconds(s.streamIdleTimeoutSeconds),
    request_headers_timeout: seconds(s.requestHeadersTimeoutSeconds),
    request_timeout: "0s",
    // HTTP/2: time between the first (warning) and final GOAWAY while draining; inside the drain time.
    drain_timeout: seconds(Math.min(HTTP2_DRAIN_TIMEOUT_SECONDS, s.drainTimeSeconds)),
    common_http_protocol_options: {
      idle_timeout: seconds(s.downstreamIdleTimeoutSeconds),
      headers_with_underscores_action: s.downstreamHttp.headersWithUnderscoresAction,
      max_headers_count: s.downstreamHttp.maxHeadersCount,
    },
    max_request_headers_kb: s.downstreamHttp.maxRequestHeadersKb,
    // HTTP/1.0 gets 426 unless accepted; Envoy answers Expect: 100-continue itself.
    http_protocol_options: { accept_http_10: s.downstreamHttp.acceptHttp10 },
    proxy_100_continue: s.downstreamHttp.proxy100Continue,
    http2_protocol_options: {
      max_concurrent_streams: s.http2MaxConcurrentStreams,
      initial_stream_window_size: 65536,
      initial_connection_window_size: 1048576,
    },
    access_log: accessLog(),
    ...(s.tracing ? { tracing: tracing(s.tracing) } : {}),
    http_filters: [
      luaFilter(CLIENT_REQUEST_METADATA.namespace, recordClientRequestLua()),
      luaFilter(FILTER.stripInternalHeaders, stripInternalHeadersLua(s.extAuthz.removedRequestHeaderPrefixes)),
      luaFilter(FILTER.refuseRepeatedHeaders, refuseRepeatedHeadersLua(SINGLE_VALUE_HEADERS, repeatedHeaderXml)),
      luaFilter(FILTER.clientContentLength, clientContentLengthLua(s.extAuthz.clientContentLengthHeader)),
      extAuthzFilter(s),
      luaFilter(FILTER.upstreamPath, upstreamPathLua(s.extAuthz.upstreamPathHeader, [s.extAuthz.clientContentLengthHeader])),
      { name: FILTER.router, typed_config: { "@type": T.router, suppress_envoy_headers: true } },
    ],
    route_config: {
      name: "s3",
      virtual_hosts: [{ name: "s3", domains: ["*"], routes: s3Routes(s) }],
    },
  };
  return {
    name: S3_LISTENER,
    address: socketAddress(s.listenerAddress, s.listenerPort),
    per_connection_buffer_limit_bytes: s.perConnectionBufferLimitBytes,
    filter_chains: [{ filters: [{ name: "envoy.filters.network.http_connection_manager", typed_config: hcm }] }],
  };
}

function healthListener(s: EnvoySettings): JsonObject {
  return loopbackListener({
    name: HEALTH_LISTENER,
    address: socketAddress(s.listenerAddress, s.healthPort),
    streamIdleTimeout: "10s",
    serverHeader: "PASS_THROUGH",
    httpFilters: [
      {
        name: FILTER.healthCheck,
        typed_config: {
          "@type": T.healthCheck,
          pass_through_mode: false,
          // Readiness for the ALB: 503 unless every authorizer host passes its /readyz
          // check, and 503 once `POST /healthcheck/fail` started a graceful stop. Any
          // other path does not match and continues to the router (filter source:
          // source/extensions/filters/http/health_check/health_check.cc, decodeHeaders).
          headers: [{ name: ":path", string_match: { exact: s.healthPath } }],
          cluster_min_healthy_percentages: { [AUTHORIZER_CLUSTER]: { value: 100 } },
        },
      },
      { name: FILTER.router, typed_config: { "@type": T.router, suppress_envoy_headers: true } },
    ],
    routes: [
      // Liveness for the container health check: Envoy's worker answers it alone,
      // whatever the authorizer's state, so ECS never replaces a task for that.
      { match: { path: s.livePath }, direct_response: { status: 200 } },
      { match: { prefix: "/" }, direct_response: { status: 404 } },
    ],
  });
}

function authorizerCluster(s: EnvoySettings): JsonObject {
  return {
    name: AUTHORIZER_CLUSTER,
    type: "STATIC",
    connect_timeout: "0.250s",
    lb_policy: "ROUND_ROBIN",
    load_assignment: {
      cluster_name: AUTHORIZER_CLUSTER,
      endpoints: [
        {
          lb_endpoints: [
            {
              endpoint: {
                address: socketAddress(s.authorizerAddress, s.authorizerPort),
                // /readyz lives on the operations port, not the check port.
                health_check_config: { port_value: s.authorizerAdminPort },
              },
            },
          ],
        },
      ],
    },
    health_checks: [
      {
        timeout: duration(s.authorizerHealthCheckTimeoutMs),
        interval: duration(s.authorizerHealthCheckIntervalMs),
        // Same cadence with or without traffic, so an idle task notices a failing authorizer.
        no_traffic_interval: duration(s.authorizerHealthCheckIntervalMs),
        unhealthy_threshold: 2,
        healthy_threshold: 1,
        http_health_check: { path: s.authorizerReadyPath },
        always_log_health_check_failures: true,
      },
    ],
    // Never send a check to an authorizer that is not ready: no panic routing.
    common_lb_config: { healthy_panic_threshold: { value: 0 } },
    circuit_breakers: {
      thresholds: [
        {
          priority: "DEFAULT",
          max_connections: s.authorizerMaxRequests,
          max_pending_requests: s.authorizerMaxRequests,
          max_requests: s.authorizerMaxRequests,
          max_retries: 0,
        },
      ],
    },
    typed_extension_protocol_options: {
      "envoy.extensions.upstreams.http.v3.HttpProtocolOptions": {
        "@type": T.httpProtocolOptions,
        // Below Node's default 5 s keep-alive, so Envoy never reuses a socket the authorizer closed.
        common_http_protocol_options: { idle_timeout: "4s" },
        explicit_http_config: { http_protocol_options: {} },
      },
    },
  };
}

function s3Cluster(s: EnvoySettings): JsonObject {
  return {
    name: S3_CLUSTER,
    type: "STRICT_DNS",
    dns_lookup_family: "V4_ONLY",
    respect_dns_ttl: true,
    connect_timeout: duration(s.s3ConnectTimeoutMs),
    lb_policy: "ROUND_ROBIN",
    load_assignment: {
      cluster_name: S3_CLUSTER,
      endpoints: [{ lb_endpoints: [{ endpoint: { address: socketAddress(s.s3Endpoint, s.s3Port) } }] }],
    },
    transport_socket: {
      name: "envoy.transport_sockets.tls",
      typed_config: {
        "@type": T.upstreamTls,
        sni: s.s3Endpoint,
        common_tls_context: {
          tls_params: { tls_minimum_protocol_version: "TLSv1_2" },
          validation_context: {
            trusted_ca: { filename: s.s3TrustedCaFile },
            match_typed_subject_alt_names: [{ san_type: "DNS", matcher: { exact: s.s3Endpoint } }],
          },
        },
      },
    },
    typed_extension_protocol_options: {
      "envoy.extensions.upstreams.http.v3.HttpProtocolOptions": {
        "@type": T.httpProtocolOptions,
        common_http_protocol_options: { idle_timeout: seconds(s.s3IdleTimeoutSeconds) },
        explicit_http_config: { http_protocol_options: {} },
      },
    },
    upstream_connection_options: {
      tcp_keepalive: { keepalive_time: 60, keepalive_interval: 10, keepalive_probes: 3 },
    },
    circuit_breakers: {
      thresholds: [
        {
          priority: "DEFAULT",
          max_connections: s.s3MaxConnections,
          max_pending_requests: s.s3MaxPendingRequests,
          max_requests: s.s3MaxRequests,
          retry_budget: { budget_percent: { value: 20 }, min_retry_concurrency: 3 },
        },
      ],
    },
    // Eject an S3 address only when connecting to it keeps failing (connect failure, reset,
    // timeout: "local origin" errors). S3's own 5xx never eject: 503 SlowDown is throttling of a
    // prefix, not a sick host, and consecutive_gateway_failure would count it (502/503/504).
    outlier_detection: {
      split_external_local_origin_errors: true,
      consecutive_local_origin_failure: 5,
      enforcing_consecutive_local_origin_failure: 100,
      enforcing_consecutive_5xx: 0,
      enforcing_consecutive_gateway_failure: 0,
      enforcing_success_rate: 0,
      enforcing_local_origin_success_rate: 0,
      enforcing_failure_percentage: 0,
      enforcing_failure_percentage_local_origin: 0,
      interval: "10s",
      base_ejection_time: "30s",
      max_ejection_percent: 50,
    },
  };
}

/** The whole Envoy bootstrap as a plain object in Envoy's proto3 JSON form. Pure. */
export function renderEnvoyBootstrap(s: EnvoySettings): JsonObject {
  return {
    node: { id: "rajee-envoy", cluster: "rajee" },
    admin: { address: socketAddress(s.adminAddress, s.adminPort) },
    application_log_config: {
      log_format: {
        json_format: { time: "%Y-%m-%dT%T.%eZ", level: "%l", logger: "%n", thread: "%t", message: "%j" },
      },
    },
    static_resources: {
      listeners: [s3Listener(s), healthListener(s), ...(s.tracing ? [statsListener(s.tracing)] : [])],
      clusters: [authorizerCluster(s), s3Cluster(s), ...(s.tracing ? [collectorCluster(s.tracing), adminCluster(s)] : [])],
    },
    overload_manager: {
      refresh_interval: "0.250s",
      resource_monitors: [
        {
          name: "envoy.resource_monitors.fixed_heap",
          typed_config: { "@type": T.fixedHeap, max_heap_size_bytes: String(s.maxHeapSizeBytes) },
        },
        {
          name: "envoy.resource_monitors.global_downstream_max_connections",
          typed_config: { "@type": T.downstreamConnections, max_active_downstream_connections: String(s.maxDownstreamConnections) },
        },
      ],
      actions: [
        {
          name: "envoy.overload_actions.shrink_heap",
          triggers: [{ name: "envoy.resource_monitors.fixed_heap", threshold: { value: 0.95 } }],
        },
        {
          name: "envoy.overload_actions.stop_accepting_requests",
          triggers: [{ name: "envoy.resource_monitors.fixed_heap", threshold: { value: 0.98 } }],
        },
      ],
    },
  };
}
