import { environmentNames, getEnvironment } from "../../../config";
import { envoySettings, envoySettingsForEnvironment, renderEnvoyBootstrap } from "../../../envoy-templates";
import { TYPED_CONFIG_TYPES } from "../../../envoy-templates/bootstrap";
import { formatViolations, loadEnvoySchema, validateEnvoyBootstrap, type ValidationResult } from "../../../envoy-templates/schema/validate";

/* eslint-disable @typescript-eslint/no-explicit-any -- mutating rendered JSON */
type Obj = any;

let schema: ReturnType<typeof loadEnvoySchema>;
beforeAll(() => {
  schema = loadEnvoySchema();
});

const base = () => JSON.parse(JSON.stringify(renderEnvoyBootstrap(envoySettings({ s3Region: "eu-west-1" })))) as Obj;
const hcm = (c: Obj) => c.static_resources.listeners[0].filter_chains[0].filters[0].typed_config;
const extAuthzIndex = (c: Obj): number => hcm(c).http_filters.findIndex((f: Obj) => f.name === "envoy.filters.http.ext_authz");
const extAuthz = (c: Obj) => hcm(c).http_filters[extAuthzIndex(c)].typed_config;
const validate = (c: unknown) => validateEnvoyBootstrap(c, schema);
const violations = (r: ValidationResult) => (r.ok ? "" : formatViolations(r.violations));

describe("rendered configs validate strictly against Envoy's v3 API", () => {
  it.each(environmentNames)("the %s environment", (name) => {
    const result = validate(renderEnvoyBootstrap(envoySettingsForEnvironment(getEnvironment(name))));
    expect(violations(result)).toBe("");
    expect(result.ok).toBe(true);
  });

  it.each([
    ["custom S3 endpoint", { s3Region: "us-east-1", s3Endpoint: "bucket.vpce-0a1b2c3d-4e5f.s3.us-east-1.vpce.amazonaws.com" }],
    ["no retries", { s3Region: "eu-west-1", s3RetryCount: 0 }],
    ["short drain and timeouts", { s3Region: "eu-west-1", drainTimeSeconds: 1, authorizerTimeoutMs: 50, s3ConnectTimeoutMs: 100 }],
    ["odd ports", { s3Region: "eu-west-1", listenerPort: 10080, healthPort: 10081, adminPort: 19901, authorizerPort: 19000, authorizerAdminPort: 19001 }],
    ["large limits", { s3Region: "eu-west-1", s3MaxConnections: 1_000_000, maxHeapSizeBytes: 64 * 1024 ** 3, http2MaxConcurrentStreams: 2_147_483_647 }],
    ["tracing at 5%", { s3Region: "eu-west-1", tracing: { samplingRatio: 0.05 } }],
    ["tracing at 0% and 100%, another collector port", { s3Region: "eu-west-1", tracing: { samplingRatio: 0, collectorPort: 14317 } }],
    ["tracing everything", { s3Region: "eu-west-1", tracing: { samplingRatio: 1 } }],
  ])("variant: %s", (_name, input) => {
    expect(violations(validate(renderEnvoyBootstrap(envoySettings(input))))).toBe("");
  });

  it("resolves every @type the renderer uses", () => {
    for (const type of TYPED_CONFIG_TYPES) expect(schema.registry.getMessage(type)?.typeName).toBe(type);
  });
});

describe("strict parsing catches what Envoy would reject", () => {
  it("a misspelled field", () => {
    const c = base();
    hcm(c).normalise_path = false;
    expect(violations(validate(c))).toMatch(/HttpConnectionManager from JSON: key "normalise_path" is unknown/);
  });

  it("a field of the wrong type", () => {
    const c = base();
    extAuthz(c).failure_mode_allow = "false";
    expect(validate(c).ok).toBe(false);
    const d = base();
    d.static_resources.clusters[1].connect_timeout = 3;
    expect(violations(validate(d))).toBe("(json): cannot decode message google.protobuf.Duration from JSON: 3");
  });

  it("an enum name that does not exist", () => {
    const c = base();
    hcm(c).path_with_escaped_slashes_action = "KEEP";
    expect(violations(validate(c))).toMatch(/PathWithEscapedSlashesAction/);
  });

  it("an @type that is not in the API", () => {
    const c = base();
    hcm(c).http_filters[0].typed_config["@type"] = "type.googleapis.com/envoy.extensions.filters.http.lua.v3.Luaa";
    expect(validate(c).ok).toBe(false);
  });

  it("a field that belongs to another message inside an Any", () => {
    const c = base();
    extAuthz(c).pass_through_mode = false;
    expect(violations(validate(c))).toMatch(/ExtAuthz from JSON: key "pass_through_mode" is unknown/);
  });
});

describe("validate.rules are enforced", () => {
  const expectViolation = (mutate: (c: Obj) => void, path: string, message: string) => {
    const c = base();
    mutate(c);
    const result = validate(c);
    expect(result.ok).toBe(false);
    expect(result.ok ? [] : result.violations).toContainEqual({ path, message });
  };
  const HCM = "static_resources.listeners[0].filter_chains[0].filters[0].typed_config<HttpConnectionManager>";

  it("a required message that is missing (ext_authz server_uri timeout)", () => {
    expectViolation(
      (c) => delete extAuthz(c).http_service.server_uri.timeout,
      `${HCM}.http_filters[${extAuthzIndex(base())}].typed_config<ExtAuthz>.http_service.server_uri.timeout`,
      "is required",
    );
  });

  it("a required wrapper that is missing (health check healthy_threshold)", () => {
    expectViolation(
      (c) => delete c.static_resources.clusters[0].health_checks[0].healthy_threshold,
      "static_resources.clusters[0].health_checks[0].healthy_threshold",
      "is required",
    );
  });

  it("a required oneof that is unset (route action)", () => {
    // The catch-all forwarding route, last in the list.
    const last = hcm(base()).route_config.virtual_hosts[0].routes.length - 1;
    expectViolation(
      (c) => delete hcm(c).route_config.virtual_hosts[0].routes[last].route,
      `${HCM}.route_config.virtual_hosts[0].routes[${last}].action`,
      "exactly one of route, redirect, direct_response, filter_action, non_forwarding_action is required",
    );
  });

  it("a string shorter than min_len", () => {
    expectViolation((c) => (hcm(c).stat_prefix = ""), `${HCM}.stat_prefix`, "must be at least 1 character(s), got 0");
  });

  it("a duration outside its range", () => {
    expectViolation((c) => (c.static_resources.clusters[1].connect_timeout = "0s"), "static_resources.clusters[1].connect_timeout", "must be > 0 ns, got 0");
  });

  it("a number outside its range, inside a wrapper", () => {
    expectViolation(
      (c) => (c.static_resources.clusters[0].load_assignment.endpoints[0].lb_endpoints[0].endpoint.health_check_config.port_value = 70000),
      "static_resources.clusters[0].load_assignment.endpoints[0].lb_endpoints[0].endpoint.health_check_config.port_value",
      "must be <= 65535, got 70000",
    );
    expectViolation(
      (c) => (c.static_resources.clusters[0].common_lb_config.healthy_panic_threshold.value = 150),
      "static_resources.clusters[0].common_lb_config.healthy_panic_threshold.value",
      "must be >= 0 and <= 100, got 150",
    );
  });

  it("an enum number that is not defined", () => {
    expectViolation((c) => (hcm(c).codec_type = 42), `${HCM}.codec_type`, "42 is not a defined value of envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager.CodecType");
  });

  it("a header name that is not a valid HTTP header name", () => {
    expectViolation(
      (c) => (hcm(c).route_config.virtual_hosts[0].routes[0].match.headers[0].name = "bad header"),
      `${HCM}.route_config.virtual_hosts[0].routes[0].match.headers[0].name`,
      'must be a valid HTTP header name, got "bad header"',
    );
  });

  it("a zero body limit on the DeleteObjects route", () => {
    expectViolation(
      (c) => (hcm(c).route_config.virtual_hosts[0].routes[0].typed_per_filter_config["envoy.filters.http.ext_authz"].check_settings.with_request_body.max_request_bytes = 0),
      `${HCM}.route_config.virtual_hosts[0].routes[0].typed_per_filter_config["envoy.filters.http.ext_authz"]<ExtAuthzPerRoute>.check_settings.with_request_body.max_request_bytes`,
      "must be > 0, got 0",
    );
  });

  it("a deprecated field (Lua inline_code)", () => {
    expectViolation(
      (c) => {
        const lua = hcm(c).http_filters[0].typed_config;
        lua.inline_code = lua.default_source_code.inline_string;
        delete lua.default_source_code;
      },
      `${HCM}.http_filters[0].typed_config<Lua>.inline_code`,
      "field is deprecated in the Envoy API; use its replacement",
    );
  });
});

/** Paths (as key lists) of every object key in the config, except keys of maps and Structs. */
function keyPaths(value: unknown, path: (string | number)[] = []): (string | number)[][] {
  if (Array.isArray(value)) return value.flatMap((v, i) => keyPaths(v, [...path, i]));
  if (!value || typeof value !== "object") return [];
  const parent = path.at(-1);
  // Map fields and google.protobuf.Struct take any key: renaming one is not an error.
  const isMap = ["typed_extension_protocol_options", "typed_per_filter_config", "cluster_min_healthy_percentages", "json_format"].includes(
    String(parent),
  );
  return Object.entries(value).flatMap(([k, v]) => [
    ...(isMap || k === "@type" ? [] : [[...path, k]]),
    ...(String(parent) === "json_format" ? [] : keyPaths(v, [...path, k])),
  ]);
}

/** Paths of every leaf value (string, number, boolean), outside Structs. */
function leafPaths(value: unknown, path: (string | number)[] = []): (string | number)[][] {
  if (Array.isArray(value)) return value.flatMap((v, i) => leafPaths(v, [...path, i]));
  if (value && typeof value === "object") {
    if (path.at(-1) === "json_format") return [];
    return Object.entries(value).flatMap(([k, v]) => leafPaths(v, [...path, k]));
  }
  return path.at(-1) === "@type" ? [] : [path];
}

function parentOf(c: Obj, path: (string | number)[]): Obj {
  return path.slice(0, -1).reduce((o, k) => o[k], c);
}

describe("mutation: any one renamed field or wrong-typed value fails validation", () => {
  const original = base();
  const keys = keyPaths(original);
  const leaves = leafPaths(original);

  it("covers the whole config", () => {
    expect(keys.length).toBeGreaterThan(200);
    expect(leaves.length).toBeGreaterThan(150);
  });

  // Exhaustive rather than sampled: every key and every leaf, once each (about 0.5 s).
  it("renaming any field", () => {
    const survivors = keys.filter((path) => {
      const c = base();
      const parent = parentOf(c, path);
      const key = path.at(-1) as string;
      parent[`${key}_`] = parent[key];
      delete parent[key];
      return validate(c).ok;
    });
    expect(survivors.map((p) => p.join("."))).toEqual([]);
  });

  it("wrapping any value in a list or an object", () => {
    const survivors = leaves.flatMap((path) =>
      [true, false].flatMap((asList) => {
        const c = base();
        const parent = parentOf(c, path);
        const key = path.at(-1) as string | number;
        parent[key] = asList ? [parent[key]] : { value: parent[key] };
        return validate(c).ok ? [`${path.join(".")} as ${asList ? "a list" : "an object"}`] : [];
      }),
    );
    expect(survivors).toEqual([]);
  });
});
