import fc from "fast-check";
import { parse } from "yaml";
import { envoyCommand, envoySettings, renderEnvoyBootstrap, renderEnvoyYaml, type EnvoySettings } from "../../envoy-templates";
import { duration, FILTER, TYPED_CONFIG_TYPES } from "../../envoy-templates/bootstrap";
import { ENTRYPOINT_NAME, envoyEntrypointScript } from "../../envoy-templates/entrypoint";
import { CLIENT_REQUEST_METADATA } from "../../envoy-templates/lua";

/* eslint-disable @typescript-eslint/no-explicit-any -- walking rendered JSON */
type Obj = any;

const settings = envoySettings({ s3Region: "eu-west-1" });
const config: Obj = renderEnvoyBootstrap(settings);

const listener = (c: Obj, name: string) => c.static_resources.listeners.find((l: Obj) => l.name === name);
const hcm = (c: Obj, name: string) => listener(c, name).filter_chains[0].filters[0].typed_config;
const httpFilter = (c: Obj, name: string) => hcm(c, "s3").http_filters.find((f: Obj) => f.name === name);
const cluster = (c: Obj, name: string) => c.static_resources.clusters.find((k: Obj) => k.name === name);
const routes = (c: Obj) => hcm(c, "s3").route_config.virtual_hosts[0].routes;
/** The routes that forward to S3 (all but Envoy's own direct responses). */
const forwarding = (c: Obj) => routes(c).filter((r: Obj) => r.route !== undefined);

/** Every string anywhere in the config, for "never appears" checks. */
function strings(value: unknown, out: string[] = []): string[] {
  if (typeof value === "string") out.push(value);
  else if (Array.isArray(value)) value.forEach((v) => strings(v, out));
  else if (value && typeof value === "object") for (const v of Object.values(value)) strings(v, out);
  return out;
}

describe("ext_authz", () => {
  const authz = httpFilter(config, FILTER.extAuthz).typed_config;

  it("fails closed with 503 and an explicit timeout", () => {
    expect(authz.failure_mode_allow).toBe(false);
    expect(authz.status_on_error).toEqual({ code: "ServiceUnavailable" });
    expect(authz.http_service.server_uri).toEqual({ uri: "http://127.0.0.1:9000", cluster: "authorizer", timeout: "1s" });
  });

  it("sends raw header values and exactly the headers the classifier and signer read", () => {
    expect(authz.encode_raw_headers).toBe(true);
    expect(authz.allowed_headers.patterns).toEqual([
      { exact: "authorization", ignore_case: true },
      { exact: "content-md5", ignore_case: true },
      { exact: "content-type", ignore_case: true },
      { exact: "content-encoding", ignore_case: true },
      { exact: "x-request-id", ignore_case: true },
      ...["content-disposition", "content-language", "cache-control", "expires", "date", "range", "if-match", "if-none-match", "if-modified-since", "if-unmodified-since", "accept-encoding", "x-rajee-client-content-length"].map((exact) => ({ exact, ignore_case: true })),
      { prefix: "x-amz-", ignore_case: true },
      { prefix: "amz-sdk-", ignore_case: true },
    ]);
    expect(authz.http_service.authorization_request).toBeUndefined();
  });

  it("sends the client's path unprefixed", () => {
    expect(authz.http_service.path_prefix).toBeUndefined();
  });

  it("copies exactly the authorizer's signing headers and upstream path onto the upstream request", () => {
    expect(authz.http_service.authorization_response.allowed_upstream_headers.patterns.map((p: Obj) => p.exact)).toEqual([
      "authorization",
      "x-amz-date",
      "x-amz-security-token",
      "x-amz-content-sha256",
      "x-rajee-upstream-path",
      "x-amz-copy-source",
    ]);
    expect(authz.http_service.authorization_response.allowed_upstream_headers_to_append).toBeUndefined();
  });

  it("buffers no request body except on the DeleteObjects route, bounded at 2 MiB", () => {
    expect(authz.with_request_body).toBeUndefined();
    const [deleteObjects, ...others] = forwarding(config);
    expect(deleteObjects.match).toEqual({
      prefix: "/",
      headers: [{ name: ":method", string_match: { exact: "POST" } }],
      query_parameters: [{ name: "delete", present_match: true }],
    });
    expect(deleteObjects.typed_per_filter_config[FILTER.extAuthz].check_settings).toEqual({
      with_request_body: { max_request_bytes: 2097152, allow_partial_message: false },
    });
    for (const route of others) expect(route.typed_per_filter_config).toBeUndefined();
  });

  it("does not re-route on the authorizer's headers", () => {
    expect(authz.clear_route_cache).toBe(false);
  });
});

describe("S3 listener filter chain", () => {
  const filters = hcm(config, "s3").http_filters;

  it("records the client's path and authority first, before any filter can rewrite them", () => {
    expect(filters[0].name).toBe(CLIENT_REQUEST_METADATA.namespace);
    const code: string = filters[0].typed_config.default_source_code.inline_string;
    expect(code).toContain('metadata:set("rajee.record_client_request", "path", path)');
    expect(code).toContain('metadata:set("rajee.record_client_request", "authority", headers:get(":authority") or "")');
  });

  it("strips internal headers, checks, applies the upstream path, then routes, in that order", () => {
    expect(filters.map((f: Obj) => f.name).filter((n: string) => n !== CLIENT_REQUEST_METADATA.namespace)).toEqual([
      "rajee.strip_internal_headers",
      "rajee.refuse_repeated_headers",
      "rajee.client_content_length",
      "envoy.filters.http.ext_authz",
      "rajee.upstream_path",
      "envoy.filters.http.router",
    ]);
  });

  it("removes client x-rajee-* and x-envoy-* headers before ext_authz", () => {
    const code: string = httpFilter(config, FILTER.stripInternalHeaders).typed_config.default_source_code.inline_string;
    expect(code).toContain('local prefixes = { "x-rajee-", "x-envoy-" }');
    expect(code).toContain("headers:remove(name)");
  });

  it("moves x-rajee-upstream-path into :path after ext_authz and removes it", () => {
    const code: string = httpFilter(config, FILTER.upstreamPath).typed_config.default_source_code.inline_string;
    expect(code).toContain('headers:get("x-rajee-upstream-path")');
    expect(code).toContain('headers:remove("x-rajee-upstream-path")');
    expect(code).toContain('headers:replace(":path", path)');
  });

  it("has no aws_request_signing filter: the authorizer signs", () => {
    expect(JSON.stringify(config)).not.toMatch(/aws_request_signing|AwsRequestSigning/);
  });

  it("suppresses x-envoy-* headers towards S3", () => {
    expect(httpFilter(config, FILTER.router).typed_config.suppress_envoy_headers).toBe(true);
  });
});

describe("path handling", () => {
  it("sets normalisation, slash merging and escaped slashes explicitly to 'leave the path alone'", () => {
    const m = hcm(config, "s3");
    expect([m.normalize_path, m.merge_slashes, m.path_with_escaped_slashes_action]).toEqual([false, false, "KEEP_UNCHANGED"]);
    expect([m.strip_matching_host_port, m.strip_trailing_host_dot]).toEqual([false, false]);
  });

  it("never rewrites the path in a route", () => {
    for (const route of forwarding(config)) {
      expect(Object.keys(route.route).filter((k) => /prefix_rewrite|regex_rewrite|path_rewrite/.test(k))).toEqual([]);
    }
  });
});

describe("routing to S3", () => {
  it("answers GET ?acl, ?cors and ?lifecycle itself with S3's 501 NotImplemented, the only routes without the check, and forwards nothing there", () => {
    for (const parameter of ["acl", "cors", "lifecycle"]) {
      const route = routes(config).find((r: Obj) => r.name === `${parameter}_read_not_implemented`);
      expect(route).toEqual({
        name: `${parameter}_read_not_implemented`,
        match: { prefix: "/", headers: [{ name: ":method", string_match: { exact: "GET" } }], query_parameters: [{ name: parameter, present_match: true }] },
        direct_response: { status: 501, body: { inline_string: expect.stringContaining("<Code>NotImplemented</Code>") } },
        response_headers_to_add: [{ header: { key: "content-type", value: "application/xml" }, append_action: "OVERWRITE_IF_EXISTS_OR_ADD" }],
        typed_per_filter_config: { [FILTER.extAuthz]: { "@type": "type.googleapis.com/envoy.extensions.filters.http.ext_authz.v3.ExtAuthzPerRoute", disabled: true } },
      });
    }
    const unchecked = routes(config).filter((r: Obj) => r.typed_per_filter_config?.[FILTER.extAuthz]?.disabled === true);
    expect(unchecked.map((r: Obj) => [r.name, r.route, r.direct_response?.status])).toEqual([
      ["acl_read_not_implemented", undefined, 501],
      ["cors_read_not_implemented", undefined, 501],
      ["lifecycle_read_not_implemented", undefined, 501],
    ]);
  });

  it("rewrites the host to the S3 endpoint the authorizer signed for, on every route", () => {
    for (const route of forwarding(config)) {
      expect(route.route.cluster).toBe("s3");
      expect(route.route.host_rewrite_literal).toBe("s3.eu-west-1.amazonaws.com");
      expect(route.route.timeout).toBe("0s");
    }
  });

  it("retries only GET and HEAD, with back-off", () => {
    const retried = forwarding(config).filter((r: Obj) => r.route.retry_policy);
    expect(retried.map((r: Obj) => r.match.headers)).toEqual([
      [{ name: ":method", string_match: { exact: "GET" } }],
      [{ name: ":method", string_match: { exact: "HEAD" } }],
    ]);
    expect(retried[0].route.retry_policy).toEqual({
      retry_on: "connect-failure,refused-stream,reset,retriable-status-codes",
      num_retries: 2,
      retriable_status_codes: [500, 502, 503, 504],
      retry_back_off: { base_interval: "0.100s", max_interval: "1s" },
    });
  });

  it("renders no retry policy at all when retries are off", () => {
    const c = renderEnvoyBootstrap(envoySettings({ s3Region: "eu-west-1", s3RetryCount: 0 })) as Obj;
    expect(forwarding(c).filter((r: Obj) => r.route.retry_policy)).toEqual([]);
  });

  it("the catch-all route comes last, so every other method reaches S3 without retries", () => {
    const last = routes(config).at(-1);
    expect(last.match).toEqual({ prefix: "/" });
    expect(last.route.retry_policy).toBeUndefined();
  });
});

describe("S3 cluster", () => {
  const s3 = cluster(config, "s3");

  it("uses TLS with SNI and certificate validation against the endpoint name", () => {
    const tls = s3.transport_socket.typed_config;
    expect(tls.sni).toBe("s3.eu-west-1.amazonaws.com");
    expect(tls.common_tls_context.validation_context).toEqual({
      trusted_ca: { filename: "/etc/ssl/certs/ca-certificates.crt" },
      match_typed_subject_alt_names: [{ san_type: "DNS", matcher: { exact: "s3.eu-west-1.amazonaws.com" } }],
    });
    expect(tls.common_tls_context.tls_params.tls_minimum_protocol_version).toBe("TLSv1_2");
    expect(s3.load_assignment.endpoints[0].lb_endpoints[0].endpoint.address.socket_address).toEqual({
      address: "s3.eu-west-1.amazonaws.com",
      port_value: 443,
    });
  });

  it("has circuit breakers, a retry budget, outlier detection, keep-alive and timeouts", () => {
    expect(s3.circuit_breakers.thresholds).toEqual([
      {
        priority: "DEFAULT",
        max_connections: 1024,
        max_pending_requests: 1024,
        max_requests: 1024,
        retry_budget: { budget_percent: { value: 20 }, min_retry_concurrency: 3 },
      },
    ]);
    expect(s3.upstream_connection_options.tcp_keepalive).toEqual({ keepalive_time: 60, keepalive_interval: 10, keepalive_probes: 3 });
    expect(s3.connect_timeout).toBe("3s");
    const options = s3.typed_extension_protocol_options["envoy.extensions.upstreams.http.v3.HttpProtocolOptions"];
    expect(options["@type"]).toBe("type.googleapis.com/envoy.extensions.upstreams.http.v3.HttpProtocolOptions");
    expect(options.common_http_protocol_options.idle_timeout).toBe("30s");
  });

  it("ejects an S3 host only on connection failures, never on S3's own 5xx (503 SlowDown is throttling)", () => {
    expect(s3.outlier_detection).toEqual({
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
    });
  });
});

describe("authorizer cluster and health", () => {
  const authorizer = cluster(config, "authorizer");

  it("health-checks /readyz on the operations port, at the same cadence without traffic", () => {
    const endpoint = authorizer.load_assignment.endpoints[0].lb_endpoints[0].endpoint;
    expect(endpoint.address.socket_address).toEqual({ address: "127.0.0.1", port_value: 9000 });
    expect(endpoint.health_check_config).toEqual({ port_value: 9001 });
    expect(authorizer.health_checks).toEqual([
      {
        timeout: "1s",
        interval: "5s",
        no_traffic_interval: "5s",
        unhealthy_threshold: 2,
        healthy_threshold: 1,
        http_health_check: { path: "/readyz" },
        always_log_health_check_failures: true,
      },
    ]);
  });

  it("never routes a check to an unhealthy authorizer (no panic mode)", () => {
    expect(authorizer.common_lb_config).toEqual({ healthy_panic_threshold: { value: 0 } });
  });

  it("closes idle authorizer connections before Node's 5 s keep-alive does", () => {
    const options = authorizer.typed_extension_protocol_options["envoy.extensions.upstreams.http.v3.HttpProtocolOptions"];
    expect(options.common_http_protocol_options.idle_timeout).toBe("4s");
  });

  it("answers GET /ready on the health listener only while every authorizer host is healthy", () => {
    const health = hcm(config, "health");
    expect(listener(config, "health").address.socket_address).toEqual({ address: "0.0.0.0", port_value: 8081 });
    expect(health.http_filters.map((f: Obj) => f.name)).toEqual(["envoy.filters.http.health_check", "envoy.filters.http.router"]);
    expect(health.http_filters[0].typed_config).toEqual({
      "@type": "type.googleapis.com/envoy.extensions.filters.http.health_check.v3.HealthCheck",
      pass_through_mode: false,
      headers: [{ name: ":path", string_match: { exact: "/ready" } }],
      cluster_min_healthy_percentages: { authorizer: { value: 100 } },
    });
    // /live is the container's liveness check: Envoy answers it alone, whatever the authorizer's state.
    expect(health.route_config.virtual_hosts[0].routes).toEqual([
      { match: { path: "/live" }, direct_response: { status: 200 } },
      { match: { prefix: "/" }, direct_response: { status: 404 } },
    ]);
  });
});

describe("edge hardening", () => {
  const m = hcm(config, "s3");

  it("binds admin to 127.0.0.1 only", () => {
    expect(config.admin).toEqual({ address: { socket_address: { address: "127.0.0.1", port_value: 9901 } } });
  });

  it("does not advertise Envoy and keeps headers with underscores", () => {
    expect(m.server_header_transformation).toBe("PASS_THROUGH");
    expect(m.server_name).toBeUndefined();
    expect(m.common_http_protocol_options.headers_with_underscores_action).toBe("ALLOW");
  });

  it("trusts one X-Forwarded-For hop (the ALB) and treats no address as internal", () => {
    expect([m.use_remote_address, m.xff_num_trusted_hops, m.internal_address_config]).toEqual([true, 1, { cidr_ranges: [] }]);
  });

  it("generates x-request-id when absent and keeps a client's", () => {
    expect([m.generate_request_id, m.preserve_external_request_id]).toEqual([true, true]);
  });

  it("bounds header time and idle streams but not whole transfers", () => {
    expect(m.request_headers_timeout).toBe("10s");
    expect(m.stream_idle_timeout).toBe("120s");
    expect(m.request_timeout).toBe("0s");
    // Above the ALB's 120 s idle timeout, so the ALB always closes an idle connection first.
    expect(m.common_http_protocol_options.idle_timeout).toBe("180s");
    expect(m.http2_protocol_options.max_concurrent_streams).toBe(100);
  });

  it("sheds load from the overload manager: heap and connection limits", () => {
    expect(config.overload_manager.resource_monitors.map((r: Obj) => r.name)).toEqual([
      "envoy.resource_monitors.fixed_heap",
      "envoy.resource_monitors.global_downstream_max_connections",
    ]);
    expect(config.overload_manager.resource_monitors[1].typed_config.max_active_downstream_connections).toBe("10000");
  });
});

describe("access log", () => {
  const log = hcm(config, "s3").access_log[0].typed_config;
  const format: Record<string, string> = log.log_format.json_format;

  it("is one JSON line on stdout with request id, status, durations and upstream host", () => {
    expect(log["@type"]).toBe("type.googleapis.com/envoy.extensions.access_loggers.stream.v3.StdoutAccessLog");
    expect(Object.keys(format)).toEqual(settings.accessLogFields);
    expect(format).toMatchObject({
      request_id: "%REQ(X-REQUEST-ID)%",
      status: "%RESPONSE_CODE%",
      duration_ms: "%DURATION%",
      upstream_host: "%UPSTREAM_HOST%",
    });
  });

  it("logs the path without the query (presigned URLs carry the token there) and no auth header", () => {
    expect(format.upstream_path).toBe("%REQ_WITHOUT_QUERY(:PATH)%");
    const all = Object.values(format).join(" ").toLowerCase();
    expect(all).not.toMatch(/authorization|security-token|x-amz-credential|x-amz-signature|%req\(:path\)%/);
  });

  it("logs the path and authority the client sent, as recorded before the upstream path and host rewrites", () => {
    expect(format.path).toBe("%DYNAMIC_METADATA(rajee.record_client_request:path)%");
    expect(format.authority).toBe("%DYNAMIC_METADATA(rajee.record_client_request:authority)%");
  });

  it("times the request with Envoy's timers, never the x-envoy header the router suppresses", () => {
    expect(format).toMatchObject({
      request_duration_ms: "%REQUEST_DURATION%",
      request_tx_duration_ms: "%REQUEST_TX_DURATION%",
      response_duration_ms: "%RESPONSE_DURATION%",
    });
    expect(Object.values(format).join(" ")).not.toContain("X-ENVOY-UPSTREAM-SERVICE-TIME");
    expect(httpFilter(config, FILTER.router).typed_config.suppress_envoy_headers).toBe(true);
  });
});

describe("draining", () => {
  it("runs Envoy under the draining entrypoint, passes it the drain time, and keeps the HTTP/2 GOAWAY interval inside it", () => {
    const s = envoySettings({ s3Region: "eu-west-1", drainTimeSeconds: 3 });
    const command = envoyCommand(s);
    expect(command.slice(0, 4)).toEqual(["bash", "-c", envoyEntrypointScript(s), ENTRYPOINT_NAME]);
    expect(command[4]).toBe("--config-yaml");
    expect(command.slice(6)).toEqual(["--drain-time-s", "3", "--drain-strategy", "immediate"]);
    expect(hcm(renderEnvoyBootstrap(s), "s3").drain_timeout).toBe("3s");
    expect(hcm(config, "s3").drain_timeout).toBe("5s");
  });
});

describe("YAML", () => {
  it("parses back to exactly the bootstrap object", () => {
    expect(parse(renderEnvoyYaml(settings))).toEqual(config);
  });

  it("stays well inside the ECS task definition limit (64 KiB for the whole task)", () => {
    const bytes = Buffer.byteLength(renderEnvoyYaml(settings));
    // 28 KiB since the GET ?acl, ?cors and ?lifecycle direct responses (src/s3/not-implemented.ts) joined the routes;
    // 30 KiB since the client Content-Length filter and the signed headers sent to ext_authz (client signatures).
    expect(bytes).toBeLessThan(30 * 1024);
    // The command as ECS stores it: a JSON array of strings inside the container definition.
    expect(Buffer.byteLength(JSON.stringify(envoyCommand(settings)))).toBeLessThan(32 * 1024);
  });

  it("is deterministic", () => {
    expect(renderEnvoyYaml(envoySettings({ s3Region: "eu-west-1" }))).toBe(renderEnvoyYaml(settings));
  });
});

describe("rendering invariants for any valid settings", () => {
  it("is always fail-closed, loopback-admin and path-preserving", () => {
    fc.assert(
      fc.property(
        fc.record({
          s3Region: fc.constantFrom("eu-west-1", "us-east-1", "ap-southeast-2", "eu-central-2"),
          authorizerTimeoutMs: fc.integer({ min: 50, max: 30_000 }),
          adminPort: fc.integer({ min: 10_000, max: 65_535 }),
          s3RetryCount: fc.integer({ min: 0, max: 5 }),
        }),
        (input) => {
          const s: EnvoySettings = envoySettings(input);
          const c: Obj = renderEnvoyBootstrap(s);
          const authz = hcm(c, "s3").http_filters.find((f: Obj) => f.name === FILTER.extAuthz).typed_config;
          expect(authz.failure_mode_allow).toBe(false);
          expect(authz.status_on_error.code).toBe("ServiceUnavailable");
          expect(authz.http_service.server_uri.timeout).toBe(duration(input.authorizerTimeoutMs));
          expect(c.admin.address.socket_address.address).toBe("127.0.0.1");
          expect(hcm(c, "s3").normalize_path).toBe(false);
          expect(hcm(c, "s3").merge_slashes).toBe(false);
          expect(hcm(c, "s3").path_with_escaped_slashes_action).toBe("KEEP_UNCHANGED");
          for (const r of forwarding(c)) expect(r.route.host_rewrite_literal).toBe(`s3.${input.s3Region}.amazonaws.com`);
        },
      ),
      { numRuns: 40 },
    );
  });
});

describe("duration", () => {
  it("writes proto3 JSON durations", () => {
    expect([duration(0), duration(250), duration(1000), duration(1500), duration(61_005)]).toEqual(["0s", "0.250s", "1s", "1.500s", "61.005s"]);
    expect(() => duration(-1)).toThrow("duration -1 ms is not a non-negative integer");
  });
});

describe("typed configs", () => {
  it("lists every @type the config uses", () => {
    // With tracing on, so the tracer's type is in use too.
    const used = new Set(
      strings(renderEnvoyBootstrap(envoySettings({ s3Region: "eu-west-1", tracing: { samplingRatio: 0.05 } })))
        .filter((s) => s.startsWith("type.googleapis.com/"))
        .map((s) => s.slice("type.googleapis.com/".length)),
    );
    expect([...used].sort()).toEqual([...TYPED_CONFIG_TYPES].sort());
  });
});

describe("S3 listener HTTP/1 rules come from downstreamHttp", () => {
  it("renders the defaults: HTTP/1.0 refused, 60 KiB and 100 headers, underscores allowed, Envoy answers 100-continue", () => {
    const m = hcm(config, "s3");
    expect(m.http_protocol_options).toEqual({ accept_http_10: false });
    expect(m.max_request_headers_kb).toBe(60);
    expect(m.common_http_protocol_options.max_headers_count).toBe(100);
    expect(m.common_http_protocol_options.headers_with_underscores_action).toBe("ALLOW");
    expect(m.proxy_100_continue).toBe(false);
  });

  it("renders whatever the settings say", () => {
    const m = hcm(renderEnvoyBootstrap(envoySettings({ s3Region: "eu-west-1", acceptHttp10: true, maxRequestHeadersKb: 96, maxHeadersCount: 150, headersWithUnderscoresAction: "DROP_HEADER" })), "s3");
    expect([m.http_protocol_options.accept_http_10, m.max_request_headers_kb, m.common_http_protocol_options.max_headers_count, m.common_http_protocol_options.headers_with_underscores_action]).toEqual([true, 96, 150, "DROP_HEADER"]);
  });

  it("refuses repeated single-value headers with a Lua filter after the internal-header strip and before ext_authz", () => {
    const names = hcm(config, "s3").http_filters.map((f: Obj) => f.name);
    expect(names.indexOf(FILTER.refuseRepeatedHeaders)).toBe(names.indexOf(FILTER.stripInternalHeaders) + 1);
    expect(names.indexOf(FILTER.refuseRepeatedHeaders)).toBeLessThan(names.indexOf(FILTER.extAuthz));
    const code = httpFilter(config, FILTER.refuseRepeatedHeaders).typed_config.default_source_code.inline_string;
    expect(code).toContain('headers:getNumValues(h.k) > 1');
    expect(code).toContain('k = ":authority", comma = true');
  });
});
