import fc from "fast-check";
import { getEnvironment } from "../../config";
import { envoySettings, envoySettingsForEnvironment, renderEnvoyBootstrap, S3_CLUSTER } from "../../envoy-templates";
import { FILTER, S3_LISTENER } from "../../envoy-templates/bootstrap";
import { AUTHORIZER_CONTAINER } from "../../modules/proxy-service/containers";
import { containerEnvironment, EnvironmentStack } from "../../stacks/environment-stack";
import { checkInvariants, durationMs, invariantProblems, tokenProblems, type InvariantInputs } from "../../stacks/invariants";
import { ConfigError } from "../../src/config-error";
import { FAKE_BUNDLE } from "../modules/synth";
import { withTestApp } from "../support/temp";

// The stack's call goes through a recording wrapper, so a test can see what it was given.
jest.mock("../../stacks/invariants", () => {
  const actual = jest.requireActual<typeof import("../../stacks/invariants")>("../../stacks/invariants");
  return { ...actual, checkInvariants: jest.fn(actual.checkInvariants) };
});

/* eslint-disable @typescript-eslint/no-explicit-any -- editing rendered JSON */
type Obj = any;

function stack(name: string): EnvironmentStack {
  return withTestApp((app) => new EnvironmentStack(app, `rajee-${name}`, { config: getEnvironment(name), rotationBundle: FAKE_BUNDLE, issuerBundle: FAKE_BUNDLE }));
}

/** The inputs the dev stack checks, built from its resolved values and the rendered bootstrap. */
function devInputs(): InvariantInputs {
  const s = stack("dev");
  const envoy = envoySettingsForEnvironment(getEnvironment("dev"));
  return {
    loadBalancer: {
      idleTimeoutSeconds: s.loadBalancer.idleTimeoutSeconds,
      deregistrationDelaySeconds: s.loadBalancer.deregistrationDelaySeconds,
      healthCheck: s.loadBalancer.healthCheck,
    },
    proxyService: {
      envoyStopTimeoutSeconds: s.proxyService.envoyStopTimeoutSeconds,
      authorizerStopTimeoutSeconds: s.proxyService.authorizerStopTimeoutSeconds,
      healthCheckGracePeriodSeconds: s.proxyService.healthCheckGracePeriodSeconds,
      envoyHealthCheck: s.proxyService.envoyHealthCheck,
      authorizerHealthCheck: s.proxyService.authorizerHealthCheck,
    },
    envoy: { drainTimeSeconds: envoy.drainTimeSeconds, drainWithMarginSeconds: envoy.stopTimeoutSeconds },
    bootstrap: renderEnvoyBootstrap(envoy),
    s3ListenerName: S3_LISTENER,
    s3ClusterName: S3_CLUSTER,
    extAuthzFilterName: FILTER.extAuthz,
    tokens: { authorizer: containerEnvironment(s.proxyService, AUTHORIZER_CONTAINER), issuer: s.issuer.environment },
  };
}

const base = devInputs();
const clone = (): InvariantInputs & { bootstrap: Obj } => JSON.parse(JSON.stringify(base)) as InvariantInputs & { bootstrap: Obj };
const s3Hcm = (b: Obj) => b.static_resources.listeners.find((l: Obj) => l.name === S3_LISTENER).filter_chains[0].filters[0].typed_config;
const s3Cluster = (b: Obj) => b.static_resources.clusters.find((c: Obj) => c.name === S3_CLUSTER);

describe("cross-component invariants", () => {
  it("hold for dev, staging and prod with the resolved defaults", () => {
    for (const name of ["dev", "staging", "prod"]) expect(() => stack(name)).not.toThrow();
    expect(invariantProblems(base)).toEqual([]);
  });

  it("resolve the values the stack deploys: ALB 120 s idle and 90 s deregistration, Envoy 180 s idle and 20 s drain, 120 s stop timeouts", () => {
    expect(base.loadBalancer.idleTimeoutSeconds).toBe(120);
    expect(base.loadBalancer.deregistrationDelaySeconds).toBe(90);
    expect(durationMs(s3Hcm(base.bootstrap).common_http_protocol_options.idle_timeout)).toBe(180_000);
    expect(base.envoy).toEqual({ drainTimeSeconds: 20, drainWithMarginSeconds: 30 });
    expect(base.proxyService.envoyStopTimeoutSeconds).toBe(120);
    expect(base.proxyService.authorizerStopTimeoutSeconds).toBe(120);
    expect(base.proxyService.healthCheckGracePeriodSeconds).toBe(60);
  });

  it("refuse an ALB idle timeout equal to Envoy's downstream idle timeout", () => {
    const i = clone();
    s3Hcm(i.bootstrap).common_http_protocol_options.idle_timeout = "120s";
    expect(() => checkInvariants(i)).toThrow(
      new ConfigError(
        "invariants: load-balancer idleTimeoutSeconds=120 must be below envoy downstreamIdleTimeoutSeconds=120 " +
          "(otherwise Envoy closes connections the ALB still reuses: intermittent 502s); lower the ALB's or raise Envoy's",
      ),
    );
  });

  it("refuse an ext_authz timeout that a route timeout would cut", () => {
    const i = clone();
    const routes = s3Hcm(i.bootstrap).route_config.virtual_hosts[0].routes;
    routes.find((r: Obj) => r.name === "s3").route.timeout = "1s";
    expect(invariantProblems(i)).toEqual([
      "envoy authorizerTimeoutMs=1000 must be below route s3 timeout=1000 ms (the route would time out before the check answers); shorten the check or lengthen the route timeout",
    ]);
  });

  it("treat a route timeout of 0s as none", () => {
    const routes = s3Hcm(base.bootstrap as Obj).route_config.virtual_hosts[0].routes.filter((r: Obj) => r.route !== undefined);
    expect(routes.every((r: Obj) => r.route.timeout === "0s")).toBe(true);
    expect(invariantProblems(base)).toEqual([]);
  });

  it("refuse an ext_authz timeout at or above the stream idle timeout", () => {
    const i = clone();
    const authz = s3Hcm(i.bootstrap).http_filters.find((f: Obj) => f.name === FILTER.extAuthz).typed_config;
    authz.http_service.server_uri.timeout = "120s";
    const problems = invariantProblems(i);
    expect(problems).toContain(
      "envoy authorizerTimeoutMs=120000 must be below envoy streamIdleTimeoutSeconds=120 (the stream would be reset as idle while waiting for the check); " +
        "shorten the check or raise streamIdleTimeoutSeconds",
    );
    // Every route carries the stream idle timeout too, and each is named.
    // (Envoy's own direct responses, such as the GET ?acl 501, forward nothing and have no timeouts.)
    expect(problems.filter((p) => p.includes("idle_timeout=120000 ms"))).toHaveLength(s3Hcm(i.bootstrap).route_config.virtual_hosts[0].routes.filter((r: Obj) => r.route !== undefined).length);
  });

  it("refuse a deregistration delay and drain that do not fit in Envoy's stop timeout", () => {
    const i = clone();
    (i.loadBalancer as { deregistrationDelaySeconds: number }).deregistrationDelaySeconds = 91;
    expect(invariantProblems(i)).toEqual([
      "load-balancer deregistrationDelaySeconds=91 + envoy drain 20 s (with its stop margin, 30 s) = 121 s must fit in proxy-service envoyStopTimeoutSeconds=120 " +
        "(a Fargate Spot interruption sends SIGTERM while the target still drains, so both must finish before SIGKILL); shorten the deregistration delay or the drain, or raise the stop timeout",
    ]);
  });

  it("refuse an Envoy stop timeout above Fargate's 120 s", () => {
    const i = clone();
    (i.proxyService as { envoyStopTimeoutSeconds: number }).envoyStopTimeoutSeconds = 121;
    (i.proxyService as { authorizerStopTimeoutSeconds: number }).authorizerStopTimeoutSeconds = 121;
    expect(invariantProblems(i)).toEqual(["proxy-service envoyStopTimeoutSeconds=121 is above Fargate's 120 s limit; use at most 120"]);
  });

  it("refuse an authorizer that would be killed before Envoy has drained", () => {
    const i = clone();
    (i.proxyService as { authorizerStopTimeoutSeconds: number }).authorizerStopTimeoutSeconds = 30;
    expect(invariantProblems(i)).toEqual([
      "proxy-service authorizerStopTimeoutSeconds=30 must be at least envoyStopTimeoutSeconds=120 (Envoy's draining requests still need their checks answered); raise the authorizer's",
    ]);
  });

  it("refuse a grace period shorter than both containers' start plus the ALB's healthy threshold", () => {
    const i = clone();
    (i.proxyService as { healthCheckGracePeriodSeconds: number }).healthCheckGracePeriodSeconds = 49;
    expect(invariantProblems(i)).toEqual([
      "proxy-service healthCheckGracePeriodSeconds=49 must be at least authorizer startPeriodSeconds=15 + envoy startPeriodSeconds=15 " +
        "+ load-balancer healthyThreshold=2 x healthCheckIntervalSeconds=10 = 50 (otherwise ECS replaces tasks that are still starting); raise the grace period",
    ]);
  });

  it("refuse a container health check that times out no sooner than its interval", () => {
    const i = clone();
    (i.proxyService as { envoyHealthCheck: object }).envoyHealthCheck = { ...base.proxyService.envoyHealthCheck, timeoutSeconds: 10 };
    expect(invariantProblems(i)).toEqual(["proxy-service envoyHealthCheck timeoutSeconds=10 must be below intervalSeconds=10; shorten the timeout"]);
  });

  it("refuse outlier detection that counts S3's 503 SlowDown as gateway failures", () => {
    const i = clone();
    s3Cluster(i.bootstrap).outlier_detection.enforcing_consecutive_gateway_failure = 100;
    expect(invariantProblems(i)).toEqual([
      `envoy cluster ${S3_CLUSTER} outlier_detection.enforcing_consecutive_gateway_failure=100 must be 0 ` +
        "(S3 answers throttling with 503 SlowDown; counting S3's answers ejects healthy hosts); eject only on local-origin failures",
    ]);
  });

  it("judge an unset 5xx enforcement by Envoy's default of 100, and require local-origin errors split out", () => {
    const i = clone();
    const o = s3Cluster(i.bootstrap).outlier_detection;
    delete o.enforcing_consecutive_5xx;
    o.split_external_local_origin_errors = false;
    expect(invariantProblems(i)).toEqual([
      `envoy cluster ${S3_CLUSTER} outlier_detection.split_external_local_origin_errors=false must be true, so connection failures are counted apart from S3's answers`,
      `envoy cluster ${S3_CLUSTER} outlier_detection.enforcing_consecutive_5xx=unset (Envoy's default 100) must be 0 ` +
        "(S3 answers throttling with 503 SlowDown; counting S3's answers ejects healthy hosts); eject only on local-origin failures",
    ]);
  });

  it("list every broken rule in one ConfigError", () => {
    const i = clone();
    s3Hcm(i.bootstrap).common_http_protocol_options.idle_timeout = "60s";
    (i.loadBalancer as { deregistrationDelaySeconds: number }).deregistrationDelaySeconds = 300;
    const error = (() => {
      try {
        checkInvariants(i);
      } catch (e) {
        return e as Error;
      }
      return undefined;
    })();
    expect(error).toBeInstanceOf(ConfigError);
    const lines = error?.message.split("\n") ?? [];
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/^invariants: load-balancer idleTimeoutSeconds=120 must be below envoy downstreamIdleTimeoutSeconds=60 /);
    expect(lines[1]).toMatch(/^invariants: load-balancer deregistrationDelaySeconds=300 \+ envoy drain 20 s/);
  });

  it("are checked by the environment stack with its resolved values, and a broken rule fails the synth", () => {
    const spy = jest.mocked(checkInvariants);
    const actual = jest.requireActual<typeof import("../../stacks/invariants")>("../../stacks/invariants").checkInvariants;
    spy.mockClear();
    try {
      stack("staging");
      expect(spy).toHaveBeenCalledTimes(1);
      const seen = spy.mock.calls[0]![0];
      expect(seen.loadBalancer.deregistrationDelaySeconds).toBe(90);
      expect(seen.proxyService.envoyStopTimeoutSeconds).toBe(120);
      expect(seen.bootstrap).toEqual(renderEnvoyBootstrap(envoySettingsForEnvironment(getEnvironment("staging"))));
      expect([seen.tokens.authorizer.RAJEE_ISSUER, seen.tokens.issuer.RAJEE_ISSUER]).toEqual(["https://issuer.staging.rajee.example.com", "https://issuer.staging.rajee.example.com"]);
      spy.mockImplementation(() => {
        throw new ConfigError("invariants: broken");
      });
      expect(() => stack("staging")).toThrow(new ConfigError("invariants: broken"));
    } finally {
      spy.mockImplementation(actual);
    }
  });

  it("name a bootstrap that is missing the parts they read", () => {
    const i = { ...clone(), bootstrap: renderEnvoyBootstrap(envoySettings({ s3Region: "eu-west-1" })), s3ClusterName: "nope" };
    expect(invariantProblems(i)).toEqual([
      "envoy bootstrap has no cluster nope; the invariants cannot be checked, render it with renderEnvoyBootstrap(settings)",
    ]);
  });
});

describe("token invariants between the issuer and the authorizers", () => {
  const tokens = () => clone().tokens;
  const policyWith = (lifetimes: number[]) => JSON.stringify({ rules: lifetimes.map((maxLifetimeSeconds) => ({ principals: ["111111111111"], grants: ["read:b/"], maxLifetimeSeconds })) });

  it("hold for what dev deploys: the same iss and aud, and every rule within the authorizers' lifetime", () => {
    const t = tokens();
    expect([t.issuer.RAJEE_ISSUER, t.issuer.RAJEE_AUDIENCE]).toEqual([t.authorizer.RAJEE_ISSUER, t.authorizer.RAJEE_AUDIENCE]);
    expect(tokenProblems(t)).toEqual([]);
  });

  it("refuse an issuer whose iss or aud differs from the authorizers'", () => {
    const t = tokens();
    expect(tokenProblems({ ...t, issuer: { ...t.issuer, RAJEE_ISSUER: "https://elsewhere", RAJEE_AUDIENCE: "other" } })).toEqual([
      `issuer RAJEE_ISSUER="https://elsewhere" differs from the authorizers' RAJEE_ISSUER=${JSON.stringify(t.authorizer.RAJEE_ISSUER)} (every token it issued would be refused); give both token.issuer`,
      `issuer RAJEE_AUDIENCE="other" differs from the authorizers' RAJEE_AUDIENCE=${JSON.stringify(t.authorizer.RAJEE_AUDIENCE)} (every token it issued would be refused); give both token.audience`,
    ]);
  });

  it("flag exactly the rules and limits longer than the authorizers' maximum lifetime", () => {
    fc.assert(
      fc.property(fc.integer({ min: 60, max: 86400 }), fc.array(fc.integer({ min: 60, max: 86400 }), { minLength: 1, maxLength: 4 }), fc.integer({ min: 60, max: 86400 }), (accepted, rules, limit) => {
        const t = tokens();
        const problems = tokenProblems({
          authorizer: { ...t.authorizer, RAJEE_MAX_TOKEN_LIFETIME_SECONDS: String(accepted) },
          issuer: { ...t.issuer, RAJEE_MAX_TOKEN_LIFETIME_SECONDS: String(limit), RAJEE_ISSUANCE_POLICY: policyWith(rules) },
        });
        const expected = [
          ...(limit > accepted ? [`issuer RAJEE_MAX_TOKEN_LIFETIME_SECONDS=${limit} is above the authorizers' ${accepted}; give both token.maxLifetimeSeconds`] : []),
          ...rules.flatMap((r, i) =>
            r > accepted ? [`issuer policy rules[${i}].maxLifetimeSeconds=${r} is above the authorizers' token maxLifetimeSeconds=${accepted} (its longest tokens would be refused); shorten the rule`] : [],
          ),
        ];
        expect(problems).toEqual(expected);
      }),
      { numRuns: 200 },
    );
  });

  it("refuse an issuer that caches the signing key longer than the authorizers' clock skew, and accept exactly up to it", () => {
    const t = tokens();
    const skew = Number(t.authorizer.RAJEE_CLOCK_SKEW_SECONDS);
    expect(Number(t.issuer.RAJEE_KEY_CACHE_SECONDS)).toBeLessThanOrEqual(skew);
    expect(tokenProblems({ ...t, issuer: { ...t.issuer, RAJEE_KEY_CACHE_SECONDS: String(skew) } })).toEqual([]);
    expect(tokenProblems({ ...t, issuer: { ...t.issuer, RAJEE_KEY_CACHE_SECONDS: String(skew + 1) } })).toEqual([
      `issuer RAJEE_KEY_CACHE_SECONDS=${skew + 1} is above the authorizers' RAJEE_CLOCK_SKEW_SECONDS=${skew} ` +
        "(a retired key stays published only lifetime + skew, so a key cached longer could sign tokens that outlive it); cache the key at most the skew",
    ]);
  });

  it("refuse authorizers that require client signatures without binding keys, or an issuer that does not bind", () => {
    const t = tokens();
    const required = { ...t.authorizer, RAJEE_CLIENT_SIGNATURES: "required", RAJEE_BINDING_KEYS_SECRET_ARN: "arn:aws:secretsmanager:eu-west-1:111111111111:secret:rajee-dev/binding/private-keys-AbCdEf" };
    const binding = { ...t.issuer, RAJEE_BINDING_PUBLIC_KEY_SECRET_ARN: "arn:aws:secretsmanager:eu-west-1:111111111111:secret:rajee-dev/binding/public-key-AbCdEf" };
    const { RAJEE_BINDING_KEYS_SECRET_ARN: _a, ...noKeys } = required;
    const { RAJEE_BINDING_PUBLIC_KEY_SECRET_ARN: _b, ...bearer } = binding;
    expect(tokenProblems({ authorizer: required, issuer: binding })).toEqual([]);
    expect(tokenProblems({ authorizer: noKeys, issuer: binding })).toEqual([
      "authorizer RAJEE_CLIENT_SIGNATURES=required without RAJEE_BINDING_KEYS_SECRET_ARN (no request could be verified); give the authorizers the binding-key secret, or use when-bound",
    ]);
    expect(tokenProblems({ authorizer: required, issuer: bearer })).toEqual([
      "authorizer RAJEE_CLIENT_SIGNATURES=required but the issuer has no RAJEE_BINDING_PUBLIC_KEY_SECRET_ARN (every token it issued would be a bearer token, refused); give the issuer the public binding-key secret",
    ]);
    // An issuer handing out bearer tokens is fine where the authorizers only verify bound ones.
    expect(tokenProblems({ authorizer: { ...required, RAJEE_CLIENT_SIGNATURES: "when-bound" }, issuer: bearer })).toEqual([]);
  });

  it("refuse a policy variable that is not JSON rather than pass it", () => {
    const t = tokens();
    expect(tokenProblems({ ...t, issuer: { ...t.issuer, RAJEE_ISSUANCE_POLICY: "{" } })).toEqual([
      `issuer policy rules[0].maxLifetimeSeconds=NaN is above the authorizers' token maxLifetimeSeconds=${t.authorizer.RAJEE_MAX_TOKEN_LIFETIME_SECONDS} (its longest tokens would be refused); shorten the rule`,
    ]);
  });
});

describe("durationMs", () => {
  it("reads proto3 JSON durations and nothing else", () => {
    expect(["0s", "0.250s", "1s", "1.5s", "61.005s", "2.0000001s"].map(durationMs)).toEqual([0, 250, 1000, 1500, 61_005, 2000]);
    expect([undefined, 5, "5", "5ms", "-1s", ""].map(durationMs)).toEqual([undefined, undefined, undefined, undefined, undefined, undefined]);
  });
});

describe("invariants for any timings", () => {
  it("flag the idle-timeout pair exactly when the ALB's is not strictly below Envoy's", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 4000 }), fc.integer({ min: 1, max: 4000 }), (alb, envoy) => {
        const i = clone();
        (i.loadBalancer as { idleTimeoutSeconds: number }).idleTimeoutSeconds = alb;
        s3Hcm(i.bootstrap).common_http_protocol_options.idle_timeout = `${envoy}s`;
        const flagged = invariantProblems(i).some((p) => p.startsWith("load-balancer idleTimeoutSeconds="));
        expect(flagged).toBe(alb >= envoy);
      }),
    );
  });

  it("flag the stop sequence exactly when deregistration plus drain exceeds Envoy's stop timeout", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 3600 }), fc.integer({ min: 11, max: 120 }), fc.integer({ min: 2, max: 120 }), (dereg, drainWithMargin, stop) => {
        const i = clone();
        (i.loadBalancer as { deregistrationDelaySeconds: number }).deregistrationDelaySeconds = dereg;
        (i as { envoy: object }).envoy = { drainTimeSeconds: drainWithMargin - 10, drainWithMarginSeconds: drainWithMargin };
        (i.proxyService as { envoyStopTimeoutSeconds: number }).envoyStopTimeoutSeconds = stop;
        const flagged = invariantProblems(i).some((p) => p.startsWith("load-balancer deregistrationDelaySeconds="));
        expect(flagged).toBe(dereg + drainWithMargin > stop);
      }),
    );
  });
});
