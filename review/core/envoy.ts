/**
 * The Envoy configuration inside a planned task definition (the `--config-yaml` argument of a
 * container's command), read into the security-relevant settings docs/envoy.md lists, and the rules
 * that judge them against the gateway's own settings (`envoySettings`, passed in by the shell). Pure.
 */
import { parse as parseYaml } from "yaml";
import { UPSTREAM_PATH_HEADER } from "../../src/contracts/gateway";
import type { EnvoySettings } from "../../envoy-templates/settings";
import type { ContainerRow } from "./containers";
import type { Violation } from "./suppressions";

/** What the Envoy rules compare a planned configuration with: the gateway's settings and the renderer's names. */
export interface EnvoyExpectations {
  /** The environment's settings (`envoySettingsForEnvironment(config)`). */
  readonly settings: Pick<EnvoySettings, "extAuthz" | "paths" | "adminAddress" | "adminPort" | "downstreamHttp" | "accessLogFields">;
  /** Filter names of the S3 listener's chain (`FILTER` in envoy-templates/bootstrap.ts). */
  readonly filters: { readonly stripInternalHeaders: string; readonly refuseRepeatedHeaders: string; readonly extAuthz: string };
  /** Name of the client-facing listener (`S3_LISTENER`). */
  readonly s3Listener: string;
  /** Name of the S3 upstream cluster (`S3_CLUSTER`). */
  readonly s3Cluster: string;
  /** The bootstrap the renderer makes from these settings (`renderEnvoyBootstrap(settings)`): any other value is drift. */
  readonly rendered: unknown;
}

/**
 * The value each security-relevant option must have (docs/envoy.md, "Security-relevant options"),
 * whatever envoy-templates renders: a changed default there fails the review rather than moving the
 * baseline with it. `tests/review/docs.test.ts` compares these with the table's Value column.
 */
export const ENVOY_SAFE_VALUES = {
  failureModeAllow: false,
  statusOnError: 503,
  /** Longest accepted authorizer check deadline; it must be set (Envoy has no default). */
  maxAuthzTimeoutMs: 5000,
  normalizePath: false,
  mergeSlashes: false,
  escapedSlashesAction: "KEEP_UNCHANGED",
  headersWithUnderscoresAction: "ALLOW",
  acceptHttp10: false,
  /** Authorizer response headers copied upstream: the new signature and the judged path, nothing else. */
  allowedUpstreamHeaders: ["authorization", "x-amz-date", "x-amz-security-token", "x-amz-content-sha256", UPSTREAM_PATH_HEADER, "x-amz-copy-source"],
  /** Client header prefixes stripped before ext_authz. */
  strippedHeaderPrefixes: ["x-rajee-", "x-envoy-"],
  /** Admin API bound to loopback. */
  adminAddresses: ["127.0.0.1", "::1"],
  /** The only route that may buffer bodies for the check: DeleteObjects, bounded, never partial. */
  deleteObjects: { method: "POST", queryParameter: "delete", maxRequestBytes: 2 * 1024 * 1024, allowPartialMessage: false },
} as const;

/** One Envoy configuration found in the plan. */
export interface EnvoyConfig {
  /** Address of the task definition. */
  readonly address: string;
  /** Container whose command carries it. */
  readonly container: string;
  /** The parsed bootstrap, or undefined when the YAML does not parse. */
  readonly bootstrap: Obj | undefined;
  /** Why it could not be read. */
  readonly error?: string;
}

/** One security-relevant Envoy setting as the report shows it. */
export interface EnvoySettingRow {
  /** `<task definition> <container>`. */
  readonly where: string;
  /** The option, as docs/envoy.md names it. */
  readonly setting: string;
  /** Its value, one line. */
  readonly value: string;
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v);
const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
const get = (v: unknown, ...path: (string | number)[]): unknown =>
  path.reduce<unknown>((cur, key) => (typeof key === "number" ? (Array.isArray(cur) ? cur[key] : undefined) : isObj(cur) ? cur[key] : undefined), v);

/** Every container command with `--config-yaml`, parsed. */
export function envoyConfigs(containers: readonly ContainerRow[]): EnvoyConfig[] {
  return containers.flatMap((c): EnvoyConfig[] => {
    const i = c.command.indexOf("--config-yaml");
    if (i < 0) return [];
    const text = c.command[i + 1];
    // Terraform escapes `${` as `$${` in the planned JSON of a CDKTF string; the container sees `${`.
    try {
      const parsed: unknown = parseYaml((text ?? "").replace(/\$\$\{/g, "${"));
      if (!isObj(parsed)) return [{ address: c.taskDefinition, container: c.name, bootstrap: undefined, error: "--config-yaml is not a YAML mapping" }];
      return [{ address: c.taskDefinition, container: c.name, bootstrap: parsed }];
    } catch (e) {
      return [{ address: c.taskDefinition, container: c.name, bootstrap: undefined, error: `--config-yaml does not parse (${(e as Error).message.split("\n")[0]})` }];
    }
  });
}

/** The S3 listener's HTTP connection manager config. */
function connectionManager(b: Obj, listener: string): Obj | undefined {
  const l = list(get(b, "static_resources", "listeners")).find((x) => get(x, "name") === listener);
  const hcm = list(get(l, "filter_chains", 0, "filters")).find((f) => get(f, "name") === "envoy.filters.network.http_connection_manager");
  const config = get(hcm, "typed_config");
  return isObj(config) ? config : undefined;
}

const filtersOf = (hcm: Obj | undefined): Obj[] => list(get(hcm, "http_filters")).filter(isObj);
const extAuthzOf = (hcm: Obj | undefined, name: string): Obj | undefined => {
  const f = filtersOf(hcm).find((x) => x.name === name);
  const c = get(f, "typed_config");
  return isObj(c) ? c : undefined;
};
const routesOf = (hcm: Obj | undefined): Obj[] => list(get(hcm, "route_config", "virtual_hosts")).flatMap((vh) => list(get(vh, "routes"))).filter(isObj);
const patterns = (v: unknown): string[] =>
  list(get(v, "patterns")).map((p) => (isObj(p) ? Object.entries(p).filter(([k]) => k !== "ignore_case").map(([k, x]) => (k === "exact" ? String(x) : `${k}:${String(x)}`)).join("") : String(p)));

/** Proto3 JSON duration (`1s`, `0.250s`) in milliseconds. */
export function durationMs(v: unknown): number | undefined {
  const m = typeof v === "string" ? /^(\d+)(?:\.(\d{1,9}))?s$/.exec(v) : null;
  return m ? Number(m[1]) * 1000 + Number(`0.${m[2] ?? "0"}`) * 1000 : undefined;
}

/**
 * Names of Envoy's `type.v3.StatusCode` values the review can meet, with their codes
 * (envoy/type/v3/http_status.proto). A `status_on_error` left out is 403 (ext_authz.proto).
 */
const STATUS_CODES: Readonly<Record<string, number>> = { OK: 200, BadRequest: 400, Unauthorized: 401, Forbidden: 403, TooManyRequests: 429, InternalServerError: 500, BadGateway: 502, ServiceUnavailable: 503, GatewayTimeout: 504 };
const EXT_AUTHZ_DEFAULT_STATUS_ON_ERROR = 403;

function statusOnError(authz: Obj | undefined): number | string {
  const code = get(authz, "status_on_error", "code");
  if (code === undefined) return EXT_AUTHZ_DEFAULT_STATUS_ON_ERROR;
  if (typeof code === "number") return code;
  return STATUS_CODES[String(code)] ?? String(code);
}

/** True when a route's match is the DeleteObjects route: `POST` with query parameter `delete` present. */
function isDeleteObjectsRoute(route: Obj, d: { readonly method: string; readonly queryParameter: string }): boolean {
  const method = list(get(route, "match", "headers")).some((h) => get(h, "name") === ":method" && get(h, "string_match", "exact") === d.method);
  const query = list(get(route, "match", "query_parameters")).some((q) => get(q, "name") === d.queryParameter && get(q, "present_match") === true);
  return method && query;
}

/**
 * True when a `typed_per_filter_config` entry turns the filter off: ext_authz's own
 * `ExtAuthzPerRoute.disabled`, or the generic `config.route.v3.FilterConfig.disabled`
 * (envoy/config/route/v3/route_components.proto, FilterConfig; envoyproxy/envoy#27210).
 */
const disablesFilter = (perFilter: unknown): boolean => get(perFilter, "disabled") === true;

/** True when a route sends the request to the S3 cluster (one cluster, weighted clusters, or a cluster named by a header). */
function forwardsToS3(route: Obj, s3Cluster: string): boolean {
  const action = get(route, "route");
  if (!isObj(action)) return false;
  return action.cluster === s3Cluster || list(get(action, "weighted_clusters", "clusters")).some((c) => get(c, "name") === s3Cluster) || action.cluster_header !== undefined || action.cluster_specifier_plugin !== undefined;
}

/**
 * Routes that skip the authorizer: with ext_authz disabled (on the route, its virtual host or its
 * route configuration) a route may only answer by itself (`direct_response`: the health listener's
 * `/live`, the 501 not-implemented routes); and a listener without an enabled ext_authz filter may
 * not route to S3 at all.
 */
function bypassViolations(b: Obj, x: EnvoyExpectations): Array<{ subject: string; message: string }> {
  const out: Array<{ subject: string; message: string }> = [];
  for (const listener of list(get(b, "static_resources", "listeners"))) {
    const listenerName = show(get(listener, "name"));
    for (const chain of list(get(listener, "filter_chains"))) {
      for (const f of list(get(chain, "filters")).filter((n) => get(n, "name") === "envoy.filters.network.http_connection_manager")) {
        const hcm = get(f, "typed_config");
        const authz = filtersOf(isObj(hcm) ? hcm : undefined).find((h) => h.name === x.filters.extAuthz);
        // HttpFilter.disabled: the filter runs only on routes that enable it.
        const checked = authz !== undefined && authz.disabled !== true;
        if (authz !== undefined && authz.disabled === true) out.push({ subject: x.filters.extAuthz, message: `listener ${listenerName}: the ${x.filters.extAuthz} filter is disabled (disabled: true), so only routes that enable it are checked; remove disabled` });
        const routeConfig = get(hcm, "route_config");
        const configOff = disablesFilter(get(routeConfig, "typed_per_filter_config", x.filters.extAuthz));
        for (const vh of list(get(routeConfig, "virtual_hosts"))) {
          const vhOff = disablesFilter(get(vh, "typed_per_filter_config", x.filters.extAuthz));
          list(get(vh, "routes")).filter(isObj).forEach((route, i) => {
            const name = `${listenerName}/${show(get(vh, "name"))}/${route.name === undefined ? `#${i}` : show(route.name)}`;
            const own = get(route, "typed_per_filter_config", x.filters.extAuthz);
            const off = own !== undefined ? disablesFilter(own) : vhOff || configOff;
            if (checked && off && route.direct_response === undefined) {
              out.push({ subject: `route ${name}`, message: `route ${name} disables ${x.filters.extAuthz} (typed_per_filter_config disabled: true) but ${forwardsToS3(route, x.s3Cluster) ? `forwards to cluster ${x.s3Cluster}` : "does not answer by itself"}; a route without the check must be a direct_response` });
            } else if (!checked && forwardsToS3(route, x.s3Cluster)) {
              out.push({ subject: `route ${name}`, message: `route ${name} forwards to cluster ${x.s3Cluster} on listener ${listenerName}, which has no enabled ${x.filters.extAuthz} filter; route S3 only through the checked listener ${x.s3Listener}` });
            }
          });
        }
      }
    }
  }
  return out;
}

/** Routes of the S3 listener that disable ext_authz on their own entry, with what they do instead. */
function uncheckedRoutes(hcm: Obj | undefined, x: EnvoyExpectations): string[] {
  return routesOf(hcm)
    .filter((r) => disablesFilter(get(r, "typed_per_filter_config", x.filters.extAuthz)))
    .map((r) => `${show(r.name)}: ${r.direct_response !== undefined ? `direct_response ${show(get(r, "direct_response", "status"))}` : forwardsToS3(r, x.s3Cluster) ? `route to ${x.s3Cluster}` : "route"}`);
}

/** Access-log operators that would write the query string (presigned tokens) or a credential header. */
const LEAKY_OPERATORS: ReadonlyArray<readonly [RegExp, string]> = [
  [/%REQ\((?:[^)]*\?)?:PATH\)/i, "the path with its query string (presigned URLs carry the token there)"],
  [/%REQ\(X-ENVOY-ORIGINAL-PATH/i, "the original path with its query string"],
  [/%PATH(?:\((?![^)]*\bNQ\b)[^)]*\))?%/i, "the path with its query string"],
  [/%(?:REQ|RESP|TRAILER)\([^)]*(?:AUTHORIZATION|SECURITY-TOKEN|X-AMZ-SIGNATURE|X-AMZ-CREDENTIAL)/i, "a credential header"],
];

/** Outlier-detection enforcement fields that count what S3 answers (5xx, 503 SlowDown), not connect failures. */
const ANSWER_ENFORCEMENT_FIELDS = ["enforcing_consecutive_5xx", "enforcing_consecutive_gateway_failure", "enforcing_success_rate", "enforcing_failure_percentage"] as const;

const show = (v: unknown): string => (v === undefined ? "unset" : typeof v === "string" ? v : JSON.stringify(v));

/** The settings docs/envoy.md calls security-relevant, as the report's table shows them. */
export function envoySettingRows(configs: readonly EnvoyConfig[], x: EnvoyExpectations): EnvoySettingRow[] {
  return configs.flatMap((c) => {
    const where = `${c.address} ${c.container}`;
    if (!c.bootstrap) return [{ where, setting: "--config-yaml", value: c.error ?? "unreadable" }];
    const b = c.bootstrap;
    const hcm = connectionManager(b, x.s3Listener);
    const authz = extAuthzOf(hcm, x.filters.extAuthz);
    const routes = routesOf(hcm);
    const bodyRoutes = routes.filter((r) => get(r, "typed_per_filter_config", x.filters.extAuthz, "check_settings", "with_request_body") !== undefined);
    const cluster = list(get(b, "static_resources", "clusters")).find((cl) => get(cl, "name") === x.s3Cluster);
    const outlier = get(cluster, "outlier_detection");
    const fields = get(list(get(hcm, "access_log"))[0], "typed_config", "log_format", "json_format");
    const rows: Array<[string, unknown]> = [
      ["ext_authz.failure_mode_allow", get(authz, "failure_mode_allow") ?? false],
      ["ext_authz.status_on_error", statusOnError(authz)],
      ["ext_authz.http_service.server_uri.timeout", get(authz, "http_service", "server_uri", "timeout")],
      ["ext_authz...allowed_upstream_headers", patterns(get(authz, "http_service", "authorization_response", "allowed_upstream_headers")).join(", ")],
      ["ext_authz.with_request_body (filter)", get(authz, "with_request_body")],
      ["ext_authz.with_request_body (routes)", bodyRoutes.map((r) => `${show(r.name)}: ${show(get(r, "typed_per_filter_config", x.filters.extAuthz, "check_settings", "with_request_body"))}`).join("; ") || "none"],
      ["http_filters (S3 listener)", filtersOf(hcm).map((f) => f.name).join(" → ")],
      ["routes without ext_authz (S3 listener)", uncheckedRoutes(hcm, x).join("; ") || "none"],
      ["normalize_path", get(hcm, "normalize_path") ?? false],
      ["merge_slashes", get(hcm, "merge_slashes") ?? false],
      ["path_with_escaped_slashes_action", get(hcm, "path_with_escaped_slashes_action")],
      ["headers_with_underscores_action", get(hcm, "common_http_protocol_options", "headers_with_underscores_action") ?? "ALLOW"],
      ["http_protocol_options.accept_http_10", get(hcm, "http_protocol_options", "accept_http_10") ?? false],
      ["admin.address", `${show(get(b, "admin", "address", "socket_address", "address"))}:${show(get(b, "admin", "address", "socket_address", "port_value"))}`],
      ["access log fields", isObj(fields) ? Object.entries(fields).map(([k, v]) => `${k}=${show(v)}`).join(" ") : "none"],
      [`cluster ${x.s3Cluster} outlier_detection`, isObj(outlier) ? ["split_external_local_origin_errors", ...ANSWER_ENFORCEMENT_FIELDS].map((k) => `${k}=${show(outlier[k])}`).join(" ") : "unset"],
    ];
    return rows.map(([setting, value]) => ({ where, setting, value: show(value) }));
  });
}

/** Names of the Envoy rules (suppressions.ts lists every rule). */
export const ENVOY_RULES = [
  "envoy-config-unreadable",
  "envoy-config-drift",
  "envoy-authz-fail-open",
  "envoy-authz-bypass",
  "envoy-authz-timeout",
  "envoy-path-normalisation",
  "envoy-upstream-headers",
  "envoy-request-body-scope",
  "envoy-header-filters",
  "envoy-admin-address",
  "envoy-access-log",
  "envoy-request-head",
  "envoy-outlier-ejection",
] as const;

type EnvoyRuleName = (typeof ENVOY_RULES)[number];

/** What each Envoy rule forbids (the docs' rules table). */
export const ENVOY_RULE_SUMMARIES: Readonly<Record<EnvoyRuleName, string>> = {
  "envoy-config-unreadable": "A container's `--config-yaml` that does not parse, or has no S3 listener or ext_authz filter",
  "envoy-config-drift": "A container's Envoy config that differs anywhere from what envoy-templates renders for the environment (guards every option of docs/envoy.md, including those without a rule of their own)",
  "envoy-authz-fail-open": "ext_authz `failure_mode_allow` not false, or `status_on_error` not 503",
  "envoy-authz-bypass": "A route with ext_authz disabled (`typed_per_filter_config`) that is not a `direct_response`, a route to the S3 cluster on a listener without an enabled ext_authz filter, or the ext_authz filter itself `disabled`",
  "envoy-authz-timeout": "ext_authz `server_uri.timeout` missing, zero or above 5 s",
  "envoy-path-normalisation": "`normalize_path` or `merge_slashes` true, or `path_with_escaped_slashes_action` not `KEEP_UNCHANGED`",
  "envoy-upstream-headers": "`allowed_upstream_headers` other than exactly `authorization`, `x-amz-date`, `x-amz-security-token`, `x-amz-content-sha256`, `x-rajee-upstream-path`, `x-amz-copy-source` (the canonical copy source the authorizer signed)",
  "envoy-request-body-scope": "`with_request_body` at filter level, on a route other than DeleteObjects (`POST` with `?delete`), above 2 MiB, or with partial messages",
  "envoy-header-filters": "The strip-internal-headers or refuse-repeated-headers Lua filter missing, after ext_authz, or not stripping `x-rajee-` and `x-envoy-`",
  "envoy-admin-address": "`admin.address` not a loopback address, or not on the settings' admin port",
  "envoy-access-log": "Access-log fields other than the settings', or a field writing the query string or a credential header",
  "envoy-request-head": "`headers_with_underscores_action` not `ALLOW`, or `accept_http_10` not false",
  "envoy-outlier-ejection": "S3 cluster outlier detection that can eject on S3's answers (5xx, gateway failure, success rate, failure percentage not explicitly 0) or without `split_external_local_origin_errors`",
};

/** Paths (`static_resources.clusters[1].connect_timeout`) where `a` and `b` differ, depth first. */
export function differingPaths(a: unknown, b: unknown, path = ""): string[] {
  if (Array.isArray(a) && Array.isArray(b)) {
    return Array.from({ length: Math.max(a.length, b.length) }, (_, i) => differingPaths(a[i], b[i], `${path}[${i}]`)).flat();
  }
  if (isObj(a) && isObj(b)) {
    return [...new Set([...Object.keys(a), ...Object.keys(b)])].flatMap((k) => differingPaths(a[k], b[k], path ? `${path}.${k}` : k));
  }
  return a === b ? [] : [path || "(root)"];
}

const MAX_DRIFT_PATHS = 5;

/** Violations of the Envoy rules in one configuration. */
export function envoyViolations(c: EnvoyConfig, x: EnvoyExpectations): Violation[] {
  const out: Violation[] = [];
  const where = `container ${c.container}'s Envoy config`;
  const add = (rule: EnvoyRuleName, subject: string, message: string) => out.push({ rule, address: c.address, subject, message: `${where}: ${message}` });
  if (!c.bootstrap) {
    add("envoy-config-unreadable", "--config-yaml", `${c.error ?? "unreadable"}; render it with envoy-templates (renderEnvoyYaml)`);
    return out;
  }
  const b = c.bootstrap;
  const s = x.settings;
  const drift = differingPaths(b, x.rendered);
  if (drift.length) {
    const shown = drift.slice(0, MAX_DRIFT_PATHS).join(", ");
    add("envoy-config-drift", "--config-yaml", `differs from the rendered settings at ${shown}${drift.length > MAX_DRIFT_PATHS ? ` and ${drift.length - MAX_DRIFT_PATHS} more` : ""}; change envoySettings and render it, never the YAML`);
  }
  const hcm = connectionManager(b, x.s3Listener);
  const authz = extAuthzOf(hcm, x.filters.extAuthz);
  if (!hcm || !authz) {
    add("envoy-config-unreadable", x.s3Listener, `no listener ${x.s3Listener} with an ${x.filters.extAuthz} filter; every S3 request must be checked`);
    return out;
  }

  const safe = ENVOY_SAFE_VALUES;
  const failOpen = get(authz, "failure_mode_allow") ?? false;
  if (failOpen !== safe.failureModeAllow) add("envoy-authz-fail-open", "failure_mode_allow", `ext_authz failure_mode_allow=${show(failOpen)} lets requests through when the authorizer fails; set it to ${show(safe.failureModeAllow)}`);
  const enabled = get(authz, "filter_enabled", "default_value");
  if (enabled !== undefined && !(get(enabled, "numerator") === 100 && (get(enabled, "denominator") ?? "HUNDRED") === "HUNDRED") && get(authz, "deny_at_disable", "default_value") !== true) {
    add("envoy-authz-bypass", "filter_enabled", `ext_authz filter_enabled=${show(enabled)} skips the check for some requests, which then pass; remove filter_enabled`);
  }
  const status = statusOnError(authz);
  if (status !== safe.statusOnError) add("envoy-authz-fail-open", "status_on_error", `ext_authz status_on_error is ${show(status)}; set it to ${safe.statusOnError} so clients retry an authorizer outage`);

  const timeout = get(authz, "http_service", "server_uri", "timeout");
  const timeoutMs = durationMs(timeout);
  if (timeoutMs === undefined || timeoutMs <= 0 || timeoutMs > safe.maxAuthzTimeoutMs) {
    add("envoy-authz-timeout", "server_uri.timeout", `ext_authz http_service.server_uri.timeout=${show(timeout)}; set it to ${s.extAuthz.timeoutMs / 1000}s (authorizerTimeoutMs), at most ${safe.maxAuthzTimeoutMs / 1000}s`);
  }

  const pathChecks: Array<[string, unknown, unknown]> = [
    ["normalize_path", get(hcm, "normalize_path") ?? false, safe.normalizePath],
    ["merge_slashes", get(hcm, "merge_slashes") ?? false, safe.mergeSlashes],
    ["path_with_escaped_slashes_action", get(hcm, "path_with_escaped_slashes_action"), safe.escapedSlashesAction],
  ];
  for (const [name, actual, expected] of pathChecks) {
    if (actual !== expected) add("envoy-path-normalisation", name, `${name}=${show(actual)} makes Envoy route a different path from the one the authorizer judges; set it to ${show(expected)}`);
  }

  const upstream = patterns(get(authz, "http_service", "authorization_response", "allowed_upstream_headers"));
  const expectedUpstream: readonly string[] = safe.allowedUpstreamHeaders;
  const extra = upstream.filter((h) => !expectedUpstream.includes(h));
  const missing = expectedUpstream.filter((h) => !upstream.includes(h));
  if (extra.length || missing.length) {
    add("envoy-upstream-headers", "allowed_upstream_headers", `allowed_upstream_headers ${extra.length ? `adds ${extra.join(", ")}` : ""}${extra.length && missing.length ? " and " : ""}${missing.length ? `lacks ${missing.join(", ")}` : ""}; use exactly ${expectedUpstream.join(", ")}`);
  }

  const d = safe.deleteObjects;
  if (get(authz, "with_request_body") !== undefined) add("envoy-request-body-scope", "with_request_body", `ext_authz with_request_body is set on the filter, so every request's body is buffered; set it only on the DeleteObjects route`);
  for (const route of routesOf(hcm)) {
    const body = get(route, "typed_per_filter_config", x.filters.extAuthz, "check_settings", "with_request_body");
    if (body === undefined) continue;
    const name = show(route.name);
    if (!isDeleteObjectsRoute(route, d)) {
      add("envoy-request-body-scope", `route ${name}`, `route ${name} buffers request bodies for the check but is not the DeleteObjects route (${d.method} with ?${d.queryParameter}); remove its with_request_body`);
      continue;
    }
    const max = Number(get(body, "max_request_bytes"));
    if (!(max > 0 && max <= d.maxRequestBytes)) add("envoy-request-body-scope", `route ${name}`, `route ${name} with_request_body.max_request_bytes=${show(get(body, "max_request_bytes"))}; set it to at most ${d.maxRequestBytes}`);
    if ((get(body, "allow_partial_message") ?? false) !== d.allowPartialMessage) add("envoy-request-body-scope", `route ${name}`, `route ${name} with_request_body.allow_partial_message=${show(get(body, "allow_partial_message"))} lets a truncated body be judged; set it to false`);
  }

  const names = filtersOf(hcm).map((f) => String(f.name));
  const authzAt = names.indexOf(x.filters.extAuthz);
  for (const filter of [x.filters.stripInternalHeaders, x.filters.refuseRepeatedHeaders]) {
    const i = names.indexOf(filter);
    if (i < 0 || i > authzAt) add("envoy-header-filters", filter, `${filter} is ${i < 0 ? "missing" : "after ext_authz"}; it must run before ${x.filters.extAuthz} (order: ${names.join(" → ")})`);
  }
  const strip = filtersOf(hcm).find((f) => f.name === x.filters.stripInternalHeaders);
  const source = String(get(strip, "typed_config", "default_source_code", "inline_string") ?? "");
  const unstripped = safe.strippedHeaderPrefixes.filter((p) => strip && !source.includes(`"${p}"`));
  if (unstripped.length) add("envoy-header-filters", x.filters.stripInternalHeaders, `${x.filters.stripInternalHeaders} does not strip ${unstripped.join(", ")}; render it from removedRequestHeaderPrefixes`);

  const adminHost = show(get(b, "admin", "address", "socket_address", "address"));
  const admin = `${adminHost}:${show(get(b, "admin", "address", "socket_address", "port_value"))}`;
  if (!(safe.adminAddresses as readonly string[]).includes(adminHost) || admin !== `${adminHost}:${s.adminPort}`) add("envoy-admin-address", "admin.address", `admin.address is ${admin}; bind it to ${s.adminAddress}:${s.adminPort} (the admin API can drain and reconfigure Envoy)`);

  const logs = list(get(hcm, "access_log"));
  const formats = logs.map((l) => get(l, "typed_config", "log_format", "json_format"));
  const fields = formats.filter(isObj).flatMap((f) => Object.entries(f));
  const fieldNames = [...new Set(fields.map(([k]) => k))];
  const extraFields = fieldNames.filter((k) => !s.accessLogFields.includes(k));
  if (extraFields.length || logs.length !== 1 || !isObj(formats[0])) {
    add("envoy-access-log", "fields", `access log ${logs.length !== 1 ? `has ${logs.length} loggers` : !isObj(formats[0]) ? "is not JSON" : `adds field ${extraFields.join(", ")}`}; log exactly ${s.accessLogFields.join(", ")}`);
  }
  for (const [k, v] of fields) {
    const leak = LEAKY_OPERATORS.find(([re]) => re.test(String(v)));
    if (leak) add("envoy-access-log", k, `access-log field ${k}=${show(v)} writes ${leak[1]}; log ${k} without it`);
  }

  const underscores = get(hcm, "common_http_protocol_options", "headers_with_underscores_action") ?? "ALLOW";
  if (underscores !== safe.headersWithUnderscoresAction) add("envoy-request-head", "headers_with_underscores_action", `headers_with_underscores_action=${show(underscores)}; set it to ${safe.headersWithUnderscoresAction} (the gateway emulator and the authorizer assume it)`);
  const http10 = get(hcm, "http_protocol_options", "accept_http_10") ?? false;
  if (http10 !== safe.acceptHttp10) add("envoy-request-head", "accept_http_10", `http_protocol_options.accept_http_10=${show(http10)}; set it to ${show(safe.acceptHttp10)}`);

  for (const v of bypassViolations(b, x)) add("envoy-authz-bypass", v.subject, v.message);

  const cluster = list(get(b, "static_resources", "clusters")).find((cl) => get(cl, "name") === x.s3Cluster);
  const outlier = get(cluster, "outlier_detection");
  if (isObj(outlier)) {
    const ejecting = ANSWER_ENFORCEMENT_FIELDS.filter((f) => outlier[f] !== 0);
    if (ejecting.length) add("envoy-outlier-ejection", x.s3Cluster, `cluster ${x.s3Cluster} outlier_detection ${ejecting.map((f) => `${f}=${show(outlier[f])}`).join(", ")} can eject healthy S3 hosts on 503 SlowDown; set each to 0 (an unset field takes Envoy's default, which may enforce)`);
    if (outlier.split_external_local_origin_errors !== true) add("envoy-outlier-ejection", x.s3Cluster, `cluster ${x.s3Cluster} outlier_detection.split_external_local_origin_errors=${show(outlier.split_external_local_origin_errors)} counts connect failures together with S3's answers; set it to true`);
  }
  return out;
}
