import fc from "fast-check";
import { parseDocument, stringify } from "yaml";
import { getEnvironment } from "../../../config";
import { envoyCommand, envoySettingsForEnvironment } from "../../../envoy-templates";
import { parsePlan } from "../../../review/core/plan";
import { reviewPlan } from "../../../review/core/report";
import { diffPlans, renderDiff } from "../../../review/core";
import { ENVOY_RULES } from "../../../review/core/envoy";
import { reviewOptionsFor } from "../../../review/run";
import { planDocument } from "./fixtures";

/** The Envoy rules on the real rendered command of dev, changed one setting at a time. */
const settings = envoySettingsForEnvironment(getEnvironment("dev"));
const options = reviewOptionsFor("dev");
type Bootstrap = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const command = envoyCommand(settings);
const yamlAt = command.indexOf("--config-yaml") + 1;
const base = (): Bootstrap => parseDocument(command[yamlAt]!).toJS() as Bootstrap;

const plan = (bootstrap: Bootstrap | string) => {
  const cmd = [...command];
  cmd[yamlAt] = typeof bootstrap === "string" ? bootstrap : stringify(bootstrap);
  const defs = JSON.stringify([{ name: "envoy", image: "envoyproxy/envoy@sha256:" + "a".repeat(64), memory: 512, command: cmd }]);
  return parsePlan(planDocument([{ address: "aws_ecs_task_definition.gw", after: { family: "gw", container_definitions: defs } }]), "test");
};
const envoyFindings = (b: Bootstrap | string) =>
  reviewPlan(plan(b), options)
    .violations.filter((v) => v.rule !== "envoy-config-drift" && (ENVOY_RULES as readonly string[]).includes(v.rule))
    .map((v) => [v.rule, v.subject, v.message.replace("container envoy's Envoy config: ", "")]);

const hcm = (b: Bootstrap) => b.static_resources.listeners[0].filter_chains[0].filters[0].typed_config;
const authz = (b: Bootstrap) => hcm(b).http_filters.find((f: Bootstrap) => f.name === "envoy.filters.http.ext_authz").typed_config;
const change = (edit: (b: Bootstrap) => void) => {
  const b = base();
  edit(b);
  return envoyFindings(b);
};

describe("the Envoy rules", () => {
  it("find nothing in the configuration the gateway renders, and show its settings", () => {
    expect(envoyFindings(base())).toEqual([]);
    const rows = reviewPlan(plan(base()), options).envoy;
    expect(Object.fromEntries(rows.map((r) => [r.setting, r.value]))).toMatchObject({
      "ext_authz.failure_mode_allow": "false",
      "ext_authz.status_on_error": "503",
      merge_slashes: "false",
      "admin.address": `${settings.adminAddress}:${settings.adminPort}`,
      "ext_authz...allowed_upstream_headers": settings.extAuthz.allowedUpstreamHeaders.join(", "),
    });
    const unchecked = rows.find((r) => r.setting === "routes without ext_authz (S3 listener)")!.value.split("; ");
    expect(unchecked.length).toBeGreaterThan(0);
    for (const route of unchecked) expect(route).toMatch(/^[a-z_]+: direct_response 501$/);
  });

  it("refuse an ext_authz that fails open or answers errors with 403", () => {
    expect(change((b) => (authz(b).failure_mode_allow = true))).toEqual([["envoy-authz-fail-open", "failure_mode_allow", "ext_authz failure_mode_allow=true lets requests through when the authorizer fails; set it to false"]]);
    expect(change((b) => delete authz(b).status_on_error)).toEqual([["envoy-authz-fail-open", "status_on_error", "ext_authz status_on_error is 403; set it to 503 so clients retry an authorizer outage"]]);
  });

  it("refuse a check timeout that is missing, zero or above 5 s", () => {
    const message = (v: string) => `ext_authz http_service.server_uri.timeout=${v}; set it to ${settings.extAuthz.timeoutMs / 1000}s (authorizerTimeoutMs), at most 5s`;
    expect(change((b) => (authz(b).http_service.server_uri.timeout = "30s"))).toEqual([["envoy-authz-timeout", "server_uri.timeout", message("30s")]]);
    expect(change((b) => (authz(b).http_service.server_uri.timeout = "0s"))).toEqual([["envoy-authz-timeout", "server_uri.timeout", message("0s")]]);
    expect(change((b) => delete authz(b).http_service.server_uri.timeout)).toEqual([["envoy-authz-timeout", "server_uri.timeout", message("unset")]]);
    expect(change((b) => (authz(b).http_service.server_uri.timeout = "2s"))).toEqual([]);
  });

  it("judge against the safe values, not the settings: a configuration and expectations that agree on an unsafe value still fail", () => {
    const edit = (b: Bootstrap) => {
      hcm(b).http_protocol_options.accept_http_10 = true;
      authz(b).failure_mode_allow = true;
      hcm(b).merge_slashes = true;
    };
    const unsafe = base();
    edit(unsafe);
    const unsafeSettings = {
      ...settings,
      downstreamHttp: { ...settings.downstreamHttp, acceptHttp10: true },
      extAuthz: { ...settings.extAuthz, failureModeAllow: true },
      paths: { ...settings.paths, mergeSlashes: true },
    } as unknown as typeof settings;
    const r = reviewPlan(plan(unsafe), { ...options, envoy: { ...options.envoy!, settings: unsafeSettings, rendered: unsafe } });
    expect(r.violations.filter((v) => v.rule.startsWith("envoy-")).map((v) => [v.rule, v.subject])).toEqual([
      ["envoy-authz-fail-open", "failure_mode_allow"],
      ["envoy-path-normalisation", "merge_slashes"],
      ["envoy-request-head", "accept_http_10"],
    ]);
  });

  it("refuse a route that skips ext_authz unless it answers by itself", () => {
    const off = { "envoy.filters.http.ext_authz": { "@type": "type.googleapis.com/envoy.extensions.filters.http.ext_authz.v3.ExtAuthzPerRoute", disabled: true } };
    const routes = (b: Bootstrap) => hcm(b).route_config.virtual_hosts[0].routes as Bootstrap[];
    // The 501 routes already disable it and answer directly: nothing to say.
    expect(routes(base()).some((r) => r.typed_per_filter_config?.["envoy.filters.http.ext_authz"]?.disabled === true && r.direct_response)).toBe(true);
    expect(change((b) => (routes(b).find((r) => r.name === "get_retried")!.typed_per_filter_config = off))).toEqual([
      ["envoy-authz-bypass", "route s3/s3/get_retried", "route s3/s3/get_retried disables envoy.filters.http.ext_authz (typed_per_filter_config disabled: true) but forwards to cluster s3; a route without the check must be a direct_response"],
    ]);
    // The generic FilterConfig form, on the virtual host: every route without its own entry is off.
    const generic = { "envoy.filters.http.ext_authz": { "@type": "type.googleapis.com/envoy.config.route.v3.FilterConfig", disabled: true } };
    expect(change((b) => (hcm(b).route_config.virtual_hosts[0].typed_per_filter_config = generic)).map((f) => f[1])).toEqual(["route s3/s3/get_retried", "route s3/s3/head_retried", "route s3/s3/s3"]);
    // A route to S3 on the health listener, which has no ext_authz at all.
    const health = (b: Bootstrap) => b.static_resources.listeners[1].filter_chains[0].filters[0].typed_config;
    expect(change((b) => (health(b).route_config.virtual_hosts[0].routes[0] = { match: { prefix: "/" }, route: { cluster: "s3" } })).map((f) => [f[0], f[1]])).toEqual([["envoy-authz-bypass", "route health/health/#0"]]);
    // The filter itself disabled, or enabled for only part of the requests.
    expect(change((b) => (hcm(b).http_filters.find((f: Bootstrap) => f.name === "envoy.filters.http.ext_authz").disabled = true)).map((f) => f[0])).toContain("envoy-authz-bypass");
    expect(change((b) => (authz(b).filter_enabled = { default_value: { numerator: 50, denominator: "HUNDRED" } })).map((f) => [f[0], f[1]])).toEqual([["envoy-authz-bypass", "filter_enabled"]]);
  });

  it("refuse each path normalisation the authorizer does not do", () => {
    expect(change((b) => (hcm(b).merge_slashes = true)).map((f) => f[1])).toEqual(["merge_slashes"]);
    expect(change((b) => (hcm(b).normalize_path = true)).map((f) => f[1])).toEqual(["normalize_path"]);
    expect(change((b) => (hcm(b).path_with_escaped_slashes_action = "UNESCAPE_AND_FORWARD")).map((f) => f[1])).toEqual(["path_with_escaped_slashes_action"]);
    expect(change((b) => delete hcm(b).path_with_escaped_slashes_action).map((f) => f[1])).toEqual(["path_with_escaped_slashes_action"]);
  });

  it("flags a path setting exactly when it differs from the settings (property)", () => {
    fc.assert(
      fc.property(fc.boolean(), fc.boolean(), fc.constantFrom("KEEP_UNCHANGED", "REJECT_REQUEST", "UNESCAPE_AND_REDIRECT", "UNESCAPE_AND_FORWARD"), (normalize, merge, escaped) => {
        const got = change((b) => Object.assign(hcm(b), { normalize_path: normalize, merge_slashes: merge, path_with_escaped_slashes_action: escaped })).map((f) => f[1]);
        const want = [...(normalize ? ["normalize_path"] : []), ...(merge ? ["merge_slashes"] : []), ...(escaped !== "KEEP_UNCHANGED" ? ["path_with_escaped_slashes_action"] : [])];
        expect(got).toEqual(want);
      }),
      { numRuns: 16 },
    );
  });

  it("refuse an upstream header the authorizer does not own", () => {
    expect(change((b) => authz(b).http_service.authorization_response.allowed_upstream_headers.patterns.push({ prefix: "x-amz-" }))).toEqual([
      ["envoy-upstream-headers", "allowed_upstream_headers", `allowed_upstream_headers adds prefix:x-amz-; use exactly ${settings.extAuthz.allowedUpstreamHeaders.join(", ")}`],
    ]);
  });

  it("refuse body buffering anywhere but a bounded DeleteObjects route", () => {
    expect(change((b) => (authz(b).with_request_body = { max_request_bytes: 1024 })).map((f) => f[0])).toEqual(["envoy-request-body-scope"]);
    const routes = (b: Bootstrap) => hcm(b).route_config.virtual_hosts[0].routes;
    const deleteRoute = (b: Bootstrap) => routes(b).find((r: Bootstrap) => r.name === "delete_objects");
    expect(change((b) => (routes(b).at(-1).typed_per_filter_config = deleteRoute(b).typed_per_filter_config)).map((f) => f[1])).toEqual(["route s3"]);
    expect(change((b) => (deleteRoute(b).typed_per_filter_config["envoy.filters.http.ext_authz"].check_settings.with_request_body.allow_partial_message = true)).map((f) => f[0])).toEqual(["envoy-request-body-scope"]);
    expect(change((b) => (deleteRoute(b).typed_per_filter_config["envoy.filters.http.ext_authz"].check_settings.with_request_body.max_request_bytes = settings.extAuthz.deleteObjects.maxRequestBytes * 2)).map((f) => f[0])).toEqual(["envoy-request-body-scope"]);
  });

  it("require the strip and refuse filters before ext_authz", () => {
    const without = (name: string) => (b: Bootstrap) => (hcm(b).http_filters = hcm(b).http_filters.filter((f: Bootstrap) => f.name !== name));
    expect(change(without("rajee.strip_internal_headers")).map((f) => f[1])).toEqual(["rajee.strip_internal_headers"]);
    expect(change(without("rajee.refuse_repeated_headers")).map((f) => f[1])).toEqual(["rajee.refuse_repeated_headers"]);
    const moved = change((b) => {
      const filters: Bootstrap[] = hcm(b).http_filters;
      const strip = filters.splice(filters.findIndex((f) => f.name === "rajee.strip_internal_headers"), 1)[0]!;
      filters.splice(filters.length - 1, 0, strip);
    });
    expect(moved.map((f) => f[0])).toEqual(["envoy-header-filters"]);
    expect(moved[0]![2]).toContain("is after ext_authz");
  });

  it("require admin on loopback", () => {
    expect(change((b) => (b.admin.address.socket_address.address = "0.0.0.0"))).toEqual([
      ["envoy-admin-address", "admin.address", `admin.address is 0.0.0.0:${settings.adminPort}; bind it to 127.0.0.1:${settings.adminPort} (the admin API can drain and reconfigure Envoy)`],
    ]);
  });

  it("refuse access-log fields with the query string or credentials", () => {
    const format = (b: Bootstrap) => hcm(b).access_log[0].typed_config.log_format.json_format;
    expect(change((b) => (format(b).path = "%REQ(:PATH)%")).map((f) => [f[0], f[1]])).toEqual([["envoy-access-log", "path"]]);
    expect(change((b) => (format(b).token = "%REQ(X-AMZ-SECURITY-TOKEN)%")).map((f) => [f[0], f[1]])).toEqual([["envoy-access-log", "fields"], ["envoy-access-log", "token"]]);
  });

  it("hold underscores and HTTP/1.0 to the settings", () => {
    const other = settings.downstreamHttp.headersWithUnderscoresAction === "ALLOW" ? "DROP_HEADER" : "ALLOW";
    expect(change((b) => (hcm(b).common_http_protocol_options.headers_with_underscores_action = other)).map((f) => f[1])).toEqual(["headers_with_underscores_action"]);
    expect(change((b) => (hcm(b).http_protocol_options.accept_http_10 = !settings.downstreamHttp.acceptHttp10)).map((f) => f[1])).toEqual(["accept_http_10"]);
  });

  it("refuse outlier detection that ejects on S3's answers", () => {
    const outlier = (b: Bootstrap) => b.static_resources.clusters.find((c: Bootstrap) => c.name === "s3").outlier_detection;
    expect(change((b) => delete outlier(b).enforcing_consecutive_5xx).map((f) => f[0])).toEqual(["envoy-outlier-ejection"]);
    expect(change((b) => (outlier(b).enforcing_consecutive_gateway_failure = 100)).map((f) => f[0])).toEqual(["envoy-outlier-ejection"]);
    expect(change((b) => (outlier(b).split_external_local_origin_errors = false)).map((f) => f[0])).toEqual(["envoy-outlier-ejection"]);
  });

  it("refuse a configuration that does not parse or has no checked listener", () => {
    expect(envoyFindings("admin: [unclosed").map((f) => f[0])).toEqual(["envoy-config-unreadable"]);
    expect(change((b) => (hcm(b).http_filters = hcm(b).http_filters.filter((f: Bootstrap) => f.name !== "envoy.filters.http.ext_authz"))).map((f) => f[0])).toEqual(["envoy-config-unreadable"]);
  });

  it("report any change to the rendered config as drift, naming the paths", () => {
    const drift = (b: Bootstrap) => reviewPlan(plan(b), options).violations.filter((v) => v.rule === "envoy-config-drift").map((v) => v.message);
    expect(drift(base())).toEqual([]);
    const b = base();
    b.static_resources.clusters[0].connect_timeout = "10s";
    hcm(b).stream_idle_timeout = "0s";
    expect(drift(b)).toEqual([
      "container envoy's Envoy config: differs from the rendered settings at static_resources.listeners[0].filter_chains[0].filters[0].typed_config.stream_idle_timeout, static_resources.clusters[0].connect_timeout; change envoySettings and render it, never the YAML",
    ]);
  });

  it("shows what changed as a was/now table in the diff", () => {
    const head = base();
    authz(head).failure_mode_allow = true;
    hcm(head).merge_slashes = true;
    const diff = diffPlans(plan(base()), plan(head), options);
    expect(diff.envoy.changed.map((c) => [c.after.setting, c.before.value, c.after.value])).toEqual([
      ["ext_authz.failure_mode_allow", "false", "true"],
      ["merge_slashes", "false", "true"],
    ]);
    const md = renderDiff(diff);
    expect(md).toContain("### Envoy settings");
    expect(md).toContain("| `aws_ecs_task_definition.gw envoy` | `merge_slashes` | `false` | `true` |");
  });

  it("with --base, does not call a bootstrap change a resolved drift: the base was rendered by the base branch's templates", () => {
    // The base plan carries the bootstrap of the target branch (here: a different request-headers timeout);
    // this checkout renders the new one, which the head plan carries.
    const old = base();
    hcm(old).request_headers_timeout = "20s";
    const diff = diffPlans(plan(old), plan(base()), options);
    const envoyRules = (vs: readonly { rule: string }[]) => vs.filter((v) => v.rule.startsWith("envoy-"));
    expect([diff.violations.added, diff.violations.resolved, diff.violations.remaining].map(envoyRules)).toEqual([[], [], []]);
    expect(diff.envoy.changed).toEqual([]);
    expect(renderDiff(diff)).not.toContain("resolves");
    // Drift in the head itself is still new.
    const drifted = base();
    hcm(drifted).request_headers_timeout = "20s";
    expect(diffPlans(plan(base()), plan(drifted), options).violations.added.map((v) => v.rule)).toEqual(["envoy-config-drift"]);
  });
});
