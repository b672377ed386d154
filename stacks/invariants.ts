/**
 * Rules that hold between components: each side is valid on its own, and only the pair breaks a
 * deployment (intermittent 502s, cut transfers, tasks killed at start, healthy S3 hosts ejected).
 * Checked at synth with the *resolved* values the constructs expose and the *rendered* Envoy
 * bootstrap, so a default changed anywhere is judged by what is deployed. Pure: no I/O.
 * docs/infrastructure.md, "Cross-component invariants", lists the rules and their sources.
 */
import type { TargetHealthCheck } from "../modules/load-balancer/load-balancer";
import { FARGATE_MAX_STOP_TIMEOUT_SECONDS } from "../modules/proxy-service/proxy-service";
import type { HealthCheckTiming } from "../modules/proxy-service/task-size";
import { ConfigError } from "../src/config-error";
import { AUTHORIZER_VARIABLES } from "../src/contracts/authorizer-environment";
import type { EnvironmentVariables } from "../src/contracts/environment";
import { ISSUER_VARIABLES } from "../src/contracts/issuer-environment";

/**
 * Envoy's defaults for the outlier-detection enforcement fields (percent of detections acted on),
 * from envoy/config/cluster/v3/outlier_detection.proto: an unset field is judged by its default.
 */
export const OUTLIER_ENFORCEMENT_DEFAULTS: Readonly<Record<string, number>> = Object.freeze({
  enforcing_consecutive_5xx: 100,
  enforcing_consecutive_gateway_failure: 0,
  enforcing_success_rate: 100,
  enforcing_failure_percentage: 0,
});

/** The resolved values each side contributes. */
export interface InvariantInputs {
  readonly loadBalancer: {
    readonly idleTimeoutSeconds: number;
    readonly deregistrationDelaySeconds: number;
    readonly healthCheck: TargetHealthCheck;
  };
  readonly proxyService: {
    readonly envoyStopTimeoutSeconds: number;
    readonly authorizerStopTimeoutSeconds: number;
    readonly healthCheckGracePeriodSeconds: number;
    readonly envoyHealthCheck: HealthCheckTiming;
    readonly authorizerHealthCheck: HealthCheckTiming;
  };
  readonly envoy: {
    /** Seconds Envoy drains after SIGTERM (the entrypoint's wait). */
    readonly drainTimeSeconds: number;
    /** Drain time plus the entrypoint's margin to stop Envoy and exit. */
    readonly drainWithMarginSeconds: number;
  };
  /** The rendered Envoy bootstrap (`renderEnvoyBootstrap(settings)`), as deployed. */
  readonly bootstrap: unknown;
  /** Name of the S3 listener and cluster in the bootstrap. */
  readonly s3ListenerName: string;
  readonly s3ClusterName: string;
  /** Name of the ext_authz filter in the listener's chain. */
  readonly extAuthzFilterName: string;
  /** The environment variables each token process is deployed with: who mints and who verifies must agree. */
  readonly tokens: {
    /** The authorizer container's variables (its task definition). */
    readonly authorizer: EnvironmentVariables;
    /** The issuer Lambda's variables. */
    readonly issuer: EnvironmentVariables;
  };
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v);
const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);

/** Proto3 JSON duration ("1s", "0.250s") in milliseconds; undefined when absent or malformed. */
export function durationMs(value: unknown): number | undefined {
  if (typeof value !== "string") return undefined;
  const m = /^(\d+)(?:\.(\d{1,9}))?s$/.exec(value);
  if (!m) return undefined;
  const fraction = (m[2] ?? "").padEnd(3, "0").slice(0, 3);
  return Number(m[1]) * 1000 + Number(fraction);
}

/** The parts of the rendered bootstrap the rules read. */
interface RenderedTimings {
  readonly downstreamIdleMs?: number;
  readonly streamIdleMs?: number;
  readonly extAuthzTimeoutMs?: number;
  readonly routes: readonly { readonly name: string; readonly timeoutMs?: number; readonly idleMs?: number }[];
  readonly outlier?: Obj;
  readonly missing: readonly string[];
}

function readBootstrap(i: InvariantInputs): RenderedTimings {
  const missing: string[] = [];
  const root = isObj(i.bootstrap) ? i.bootstrap : {};
  const statics = isObj(root.static_resources) ? root.static_resources : {};
  const listener = list(statics.listeners).find((l) => isObj(l) && l.name === i.s3ListenerName) as Obj | undefined;
  const hcm = list(isObj(listener) ? list(listener.filter_chains).flatMap((c) => (isObj(c) ? list(c.filters) : [])) : [])
    .map((f) => (isObj(f) && isObj(f.typed_config) ? f.typed_config : undefined))
    .find((c) => c !== undefined && "http_filters" in c);
  if (!hcm) missing.push(`listener ${i.s3ListenerName} with an http_connection_manager`);
  const h = hcm ?? {};
  const protocol = isObj(h.common_http_protocol_options) ? h.common_http_protocol_options : {};
  const extAuthz = list(h.http_filters).find((f) => isObj(f) && f.name === i.extAuthzFilterName) as Obj | undefined;
  const service = isObj(extAuthz?.typed_config) && isObj(extAuthz.typed_config.http_service) ? extAuthz.typed_config.http_service : {};
  const serverUri = isObj(service.server_uri) ? service.server_uri : {};
  if (hcm && !extAuthz) missing.push(`filter ${i.extAuthzFilterName} in listener ${i.s3ListenerName}`);
  const routeConfig = isObj(h.route_config) ? h.route_config : {};
  const routes = list(routeConfig.virtual_hosts)
    .flatMap((vh) => (isObj(vh) ? list(vh.routes) : []))
    .filter((r): r is Obj => isObj(r) && isObj(r.route))
    .map((r) => {
      const action = r.route as Obj;
      const timeoutMs = durationMs(action.timeout);
      const idleMs = durationMs(action.idle_timeout);
      return { name: typeof r.name === "string" ? r.name : "(unnamed)", ...(timeoutMs === undefined ? {} : { timeoutMs }), ...(idleMs === undefined ? {} : { idleMs }) };
    });
  const cluster = list(statics.clusters).find((c) => isObj(c) && c.name === i.s3ClusterName) as Obj | undefined;
  if (!cluster) missing.push(`cluster ${i.s3ClusterName}`);
  const downstreamIdleMs = durationMs(protocol.idle_timeout);
  const streamIdleMs = durationMs(h.stream_idle_timeout);
  const extAuthzTimeoutMs = durationMs(serverUri.timeout);
  return {
    ...(downstreamIdleMs === undefined ? {} : { downstreamIdleMs }),
    ...(streamIdleMs === undefined ? {} : { streamIdleMs }),
    ...(extAuthzTimeoutMs === undefined ? {} : { extAuthzTimeoutMs }),
    routes,
    ...(isObj(cluster?.outlier_detection) ? { outlier: cluster.outlier_detection } : {}),
    missing,
  };
}

const secondsText = (ms: number) => `${ms / 1000}`;

/** Every broken rule, one self-contained line each (both sides named, with the fix). Empty when all hold. */
export function invariantProblems(i: InvariantInputs): string[] {
  const problems: string[] = [];
  const lb = i.loadBalancer;
  const ps = i.proxyService;
  const r = readBootstrap(i);
  for (const m of r.missing) problems.push(`envoy bootstrap has no ${m}; the invariants cannot be checked, render it with renderEnvoyBootstrap(settings)`);

  // 1. ALB idle timeout strictly below Envoy's downstream idle timeout.
  if (r.downstreamIdleMs === undefined) {
    problems.push("envoy common_http_protocol_options.idle_timeout is not set; set downstreamIdleTimeoutSeconds above the load balancer's idleTimeoutSeconds");
  } else if (lb.idleTimeoutSeconds * 1000 >= r.downstreamIdleMs) {
    problems.push(
      `load-balancer idleTimeoutSeconds=${lb.idleTimeoutSeconds} must be below envoy downstreamIdleTimeoutSeconds=${secondsText(r.downstreamIdleMs)} ` +
        "(otherwise Envoy closes connections the ALB still reuses: intermittent 502s); lower the ALB's or raise Envoy's",
    );
  }

  // 2. ext_authz timeout below every route timeout (0 = none) and below the stream idle timeouts.
  if (r.extAuthzTimeoutMs === undefined) {
    problems.push(`envoy ${i.extAuthzFilterName} http_service.server_uri.timeout is not set; Envoy requires it, set authorizerTimeoutMs`);
  } else {
    const authz = r.extAuthzTimeoutMs;
    for (const route of r.routes) {
      if (route.timeoutMs !== undefined && route.timeoutMs !== 0 && authz >= route.timeoutMs) {
        problems.push(
          `envoy authorizerTimeoutMs=${authz} must be below route ${route.name} timeout=${route.timeoutMs} ms ` +
            "(the route would time out before the check answers); shorten the check or lengthen the route timeout",
        );
      }
      if (route.idleMs !== undefined && route.idleMs !== 0 && authz >= route.idleMs) {
        problems.push(
          `envoy authorizerTimeoutMs=${authz} must be below route ${route.name} idle_timeout=${route.idleMs} ms; shorten the check or raise streamIdleTimeoutSeconds`,
        );
      }
    }
    if (r.streamIdleMs !== undefined && r.streamIdleMs !== 0 && authz >= r.streamIdleMs) {
      problems.push(
        `envoy authorizerTimeoutMs=${authz} must be below envoy streamIdleTimeoutSeconds=${secondsText(r.streamIdleMs)} ` +
          "(the stream would be reset as idle while waiting for the check); shorten the check or raise streamIdleTimeoutSeconds",
      );
    }
  }

  // 3. Deregistration, then Envoy's drain, inside Envoy's stopTimeout, inside Fargate's limit; the
  //    authorizer outlives Envoy.
  const stopNeeded = lb.deregistrationDelaySeconds + i.envoy.drainWithMarginSeconds;
  if (stopNeeded > ps.envoyStopTimeoutSeconds) {
    problems.push(
      `load-balancer deregistrationDelaySeconds=${lb.deregistrationDelaySeconds} + envoy drain ${i.envoy.drainTimeSeconds} s ` +
        `(with its stop margin, ${i.envoy.drainWithMarginSeconds} s) = ${stopNeeded} s must fit in proxy-service envoyStopTimeoutSeconds=${ps.envoyStopTimeoutSeconds} ` +
        "(a Fargate Spot interruption sends SIGTERM while the target still drains, so both must finish before SIGKILL); shorten the deregistration delay or the drain, or raise the stop timeout",
    );
  }
  if (ps.envoyStopTimeoutSeconds > FARGATE_MAX_STOP_TIMEOUT_SECONDS) {
    problems.push(`proxy-service envoyStopTimeoutSeconds=${ps.envoyStopTimeoutSeconds} is above Fargate's ${FARGATE_MAX_STOP_TIMEOUT_SECONDS} s limit; use at most ${FARGATE_MAX_STOP_TIMEOUT_SECONDS}`);
  }
  if (ps.authorizerStopTimeoutSeconds < ps.envoyStopTimeoutSeconds) {
    problems.push(
      `proxy-service authorizerStopTimeoutSeconds=${ps.authorizerStopTimeoutSeconds} must be at least envoyStopTimeoutSeconds=${ps.envoyStopTimeoutSeconds} ` +
        "(Envoy's draining requests still need their checks answered); raise the authorizer's",
    );
  }

  // 4. Start-up: the grace period covers the authorizer's start, then Envoy's (it waits for a
  //    HEALTHY authorizer), then the ALB's healthy threshold.
  const hc = lb.healthCheck;
  const startNeeded = ps.authorizerHealthCheck.startPeriodSeconds + ps.envoyHealthCheck.startPeriodSeconds + hc.healthyThreshold * hc.intervalSeconds;
  if (ps.healthCheckGracePeriodSeconds < startNeeded) {
    problems.push(
      `proxy-service healthCheckGracePeriodSeconds=${ps.healthCheckGracePeriodSeconds} must be at least authorizer startPeriodSeconds=${ps.authorizerHealthCheck.startPeriodSeconds} ` +
        `+ envoy startPeriodSeconds=${ps.envoyHealthCheck.startPeriodSeconds} + load-balancer healthyThreshold=${hc.healthyThreshold} x healthCheckIntervalSeconds=${hc.intervalSeconds} ` +
        `= ${startNeeded} (otherwise ECS replaces tasks that are still starting); raise the grace period`,
    );
  }
  for (const [name, t] of [["envoy", ps.envoyHealthCheck], ["authorizer", ps.authorizerHealthCheck]] as const) {
    if (t.timeoutSeconds >= t.intervalSeconds) {
      problems.push(`proxy-service ${name}HealthCheck timeoutSeconds=${t.timeoutSeconds} must be below intervalSeconds=${t.intervalSeconds}; shorten the timeout`);
    }
  }
  if (hc.timeoutSeconds >= hc.intervalSeconds) {
    problems.push(`load-balancer healthCheckTimeoutSeconds=${hc.timeoutSeconds} must be below healthCheckIntervalSeconds=${hc.intervalSeconds}; shorten the timeout`);
  }

  // 5. S3's own 5xx never eject a host: only local-origin (connection) failures do.
  if (r.outlier) {
    const o = r.outlier;
    const zero = (field: string) => {
      const set = o[field];
      const effective = set ?? OUTLIER_ENFORCEMENT_DEFAULTS[field];
      if (effective !== 0) {
        problems.push(
          `envoy cluster ${i.s3ClusterName} outlier_detection.${field}=${set === undefined ? `unset (Envoy's default ${String(effective)})` : JSON.stringify(set)} must be 0 ` +
            "(S3 answers throttling with 503 SlowDown; counting S3's answers ejects healthy hosts); eject only on local-origin failures",
        );
      }
    };
    if (o.split_external_local_origin_errors !== true) {
      problems.push(
        `envoy cluster ${i.s3ClusterName} outlier_detection.split_external_local_origin_errors=${JSON.stringify(o.split_external_local_origin_errors ?? "unset")} must be true, ` +
          "so connection failures are counted apart from S3's answers",
      );
    }
    for (const field of Object.keys(OUTLIER_ENFORCEMENT_DEFAULTS)) zero(field);
  }
  problems.push(...tokenProblems(i.tokens));
  return problems;
}

/**
 * 6. The issuer mints what the authorizers accept: the same `iss` and `aud`, no rule of the
 *    issuance policy (nor the issuer's own limit) longer than the authorizers' maximum lifetime, and
 *    no signing key cached longer than the authorizers' clock skew; and when the authorizers require
 *    client signatures, they have binding keys and the issuer binds every token (a bearer token it
 *    issued would be refused).
 */
export function tokenProblems(t: InvariantInputs["tokens"]): string[] {
  const problems: string[] = [];
  const a = AUTHORIZER_VARIABLES;
  const v = ISSUER_VARIABLES;
  for (const [field, issuerName, authorizerName] of [["issuer", v.issuer, a.issuer], ["audience", v.audience, a.audience]] as const) {
    if (t.issuer[issuerName] !== t.authorizer[authorizerName]) {
      problems.push(
        `issuer ${issuerName}=${JSON.stringify(t.issuer[issuerName])} differs from the authorizers' ${authorizerName}=${JSON.stringify(t.authorizer[authorizerName])} ` +
          `(every token it issued would be refused); give both token.${field}`,
      );
    }
  }
  const cache = Number(t.issuer[v.keyCacheSeconds]);
  const skew = Number(t.authorizer[a.clockSkewSeconds]);
  if (!(cache <= skew)) {
    problems.push(
      `issuer ${v.keyCacheSeconds}=${String(t.issuer[v.keyCacheSeconds])} is above the authorizers' ${a.clockSkewSeconds}=${String(t.authorizer[a.clockSkewSeconds])} ` +
        "(a retired key stays published only lifetime + skew, so a key cached longer could sign tokens that outlive it); cache the key at most the skew",
    );
  }
  if (t.authorizer[a.clientSignatures] === "required") {
    if (t.authorizer[a.bindingKeysSecretArn] === undefined) {
      problems.push(`authorizer ${a.clientSignatures}=required without ${a.bindingKeysSecretArn} (no request could be verified); give the authorizers the binding-key secret, or use when-bound`);
    }
    if (t.issuer[v.bindingPublicKeySecretArn] === undefined) {
      problems.push(
        `authorizer ${a.clientSignatures}=required but the issuer has no ${v.bindingPublicKeySecretArn} (every token it issued would be a bearer token, refused); give the issuer the public binding-key secret`,
      );
    }
  }
  const accepted = Number(t.authorizer[a.maxTokenLifetimeSeconds]);
  const limit = Number(t.issuer[v.maxTokenLifetimeSeconds]);
  if (!Number.isFinite(accepted)) {
    problems.push(`authorizer ${a.maxTokenLifetimeSeconds} is not set; the issuer's lifetimes cannot be checked against it`);
    return problems;
  }
  if (!(limit <= accepted)) {
    problems.push(`issuer ${v.maxTokenLifetimeSeconds}=${String(t.issuer[v.maxTokenLifetimeSeconds])} is above the authorizers' ${accepted}; give both token.maxLifetimeSeconds`);
  }
  for (const [index, seconds] of ruleLifetimes(t.issuer[v.policy]).entries()) {
    if (!(seconds <= accepted)) {
      problems.push(
        `issuer policy rules[${index}].maxLifetimeSeconds=${String(seconds)} is above the authorizers' token maxLifetimeSeconds=${accepted} ` +
          "(its longest tokens would be refused); shorten the rule",
      );
    }
  }
  return problems;
}

/** Each rule's maxLifetimeSeconds in the issuer's policy variable (NaN where one is not a number). */
function ruleLifetimes(policyJson: string | undefined): number[] {
  let policy: unknown;
  try {
    policy = JSON.parse(policyJson ?? "");
  } catch {
    return [Number.NaN];
  }
  return list(isObj(policy) ? policy.rules : undefined).map((rule) => (isObj(rule) && typeof rule.maxLifetimeSeconds === "number" ? rule.maxLifetimeSeconds : Number.NaN));
}

/** Throws one ConfigError listing every broken rule. */
export function checkInvariants(i: InvariantInputs): void {
  const problems = invariantProblems(i);
  if (problems.length > 0) throw new ConfigError(problems.map((p) => `invariants: ${p}`).join("\n"));
}
