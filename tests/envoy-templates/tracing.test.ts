import { envoySettings, renderEnvoyBootstrap } from "../../envoy-templates";
import { ADMIN_CLUSTER, ALB_TRACE_TAG, COLLECTOR_CLUSTER, STATS_LISTENER } from "../../envoy-templates/bootstrap";
import { formatViolations, validateEnvoyBootstrap } from "../../envoy-templates/schema/validate";
import { ConfigError } from "../../src/config-error";
import { COLLECTOR_OTLP_GRPC_PORT, ENVOY_SERVICE_NAME, ENVOY_STATS_PORT } from "../../src/contracts/telemetry";

/* eslint-disable @typescript-eslint/no-explicit-any -- walking rendered JSON */
type Obj = any;

const render = (input: object = {}): Obj => renderEnvoyBootstrap(envoySettings({ s3Region: "eu-west-1", ...input }));
const hcm = (c: Obj, name: string) => c.static_resources.listeners.find((l: Obj) => l.name === name).filter_chains[0].filters[0].typed_config;
const cluster = (c: Obj, name: string) => c.static_resources.clusters.find((k: Obj) => k.name === name);

describe("Envoy tracing", () => {
  it("is off unless configured: no tracer, no collector cluster", () => {
    const config = render();
    expect(hcm(config, "s3").tracing).toBeUndefined();
    expect(cluster(config, COLLECTOR_CLUSTER)).toBeUndefined();
    expect(config.static_resources.listeners.map((l: Obj) => l.name)).toEqual(["s3", "health"]);
  });

  it("gives the collector a stats-only listener on 127.0.0.1: GET /stats/prometheus reaches the admin interface, nothing else does", () => {
    const config = render({ tracing: { samplingRatio: 0.05 } });
    const stats = config.static_resources.listeners.find((l: Obj) => l.name === STATS_LISTENER);
    expect(stats.address).toEqual({ socket_address: { address: "127.0.0.1", port_value: ENVOY_STATS_PORT } });
    expect(hcm(config, STATS_LISTENER).route_config.virtual_hosts[0].routes).toEqual([
      { match: { path: "/stats/prometheus", headers: [{ name: ":method", string_match: { exact: "GET" } }] }, route: { cluster: ADMIN_CLUSTER, timeout: "10s" } },
      { match: { prefix: "/" }, direct_response: { status: 403 } },
    ]);
    expect(cluster(config, ADMIN_CLUSTER).load_assignment.endpoints[0].lb_endpoints[0].endpoint.address).toEqual({ socket_address: { address: "127.0.0.1", port_value: 9901 } });
  });

  it("sends the S3 listener's spans to the collector on 127.0.0.1 over OTLP/gRPC, sampling the configured share", () => {
    const config = render({ tracing: { samplingRatio: 0.05 } });
    expect(hcm(config, "s3").tracing).toEqual({
      random_sampling: { value: 5 },
      custom_tags: [{ tag: ALB_TRACE_TAG, request_header: { name: "x-amzn-trace-id" } }],
      provider: {
        name: "envoy.tracers.opentelemetry",
        typed_config: {
          "@type": "type.googleapis.com/envoy.config.trace.v3.OpenTelemetryConfig",
          grpc_service: { envoy_grpc: { cluster_name: COLLECTOR_CLUSTER }, timeout: "0.250s" },
          service_name: ENVOY_SERVICE_NAME,
        },
      },
    });
    const collector = cluster(config, COLLECTOR_CLUSTER);
    expect(collector.load_assignment.endpoints[0].lb_endpoints[0].endpoint.address).toEqual({ socket_address: { address: "127.0.0.1", port_value: COLLECTOR_OTLP_GRPC_PORT } });
    expect(collector.typed_extension_protocol_options["envoy.extensions.upstreams.http.v3.HttpProtocolOptions"].explicit_http_config).toEqual({ http2_protocol_options: {} });
    // Health checks are not traced.
    expect(hcm(config, "health").tracing).toBeUndefined();
    const result = validateEnvoyBootstrap(config);
    expect(result.ok ? "" : formatViolations(result.violations)).toBe("");
  });

  it.each([
    [{ samplingRatio: 1.5 }, "tracing.samplingRatio=1.5 is not a number in 0-1"],
    [{ samplingRatio: Number.NaN }, "tracing.samplingRatio=NaN is not a number in 0-1"],
    [{ samplingRatio: 0.1, collectorPort: 9000 }, "tracing.collectorPort=9000 is the same as authorizerPort"],
  ])("refuses %j", (tracing, message) => {
    expect(() => envoySettings({ s3Region: "eu-west-1", tracing })).toThrow(ConfigError);
    expect(() => envoySettings({ s3Region: "eu-west-1", tracing })).toThrow(message);
  });
});
