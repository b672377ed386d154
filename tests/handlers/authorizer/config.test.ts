import { parseConfig, parseListenAddress, secretRegion, SETTINGS } from "../../../handlers/authorizer/config";
import { ConfigError } from "../../../src/config-error";

const ARN = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:rajee/jwks-AbCdEf";
const base = { RAJEE_JWKS_SECRET_ARN: ARN };

describe("parseConfig", () => {
  it("applies the documented defaults", () => {
    expect(parseConfig(base)).toEqual({
      listen: { host: "127.0.0.1", port: 9000 },
      adminListen: { host: "127.0.0.1", port: 9001 },
      keySource: { kind: "secret", arn: ARN },
      denyListSource: undefined,
      issuer: "rajee",
      audience: "rajee",
      algorithms: ["EdDSA", "ES256"],
      clockSkewSeconds: 30,
      maxTokenLifetimeSeconds: 43200,
      refreshIntervalSeconds: 60,
      stalenessLimitSeconds: 3600,
      breakGlassIntervalSeconds: 10,
      tokenCacheSize: 10000,
      rateLimitPerSecond: 1000,
      rateLimitBurst: 2000,
      virtualHostDomain: undefined,
      logLevel: "info",
      s3Region: undefined,
      s3Endpoint: undefined,
      shutdownTimeoutSeconds: 20,
      emfIntervalSeconds: 60,
      clientSignatures: "when-bound",
      bindingKeySource: undefined,
    });
  });

  it("reads the client-signature mode and the binding key source", () => {
    const config = parseConfig({ ...base, RAJEE_CLIENT_SIGNATURES: "required", RAJEE_BINDING_KEYS_SECRET_ARN: ARN.replace("jwks", "binding") });
    expect(config.clientSignatures).toBe("required");
    expect(config.bindingKeySource).toEqual({ kind: "secret", arn: ARN.replace("jwks", "binding") });
    expect(parseConfig({ ...base, RAJEE_CLIENT_SIGNATURES: "off" }).clientSignatures).toBe("off");
    expect(parseConfig({ ...base, RAJEE_BINDING_KEYS_FILE: "binding.json" }).bindingKeySource).toEqual({ kind: "file", path: "binding.json" });
  });

  it("refuses required client signatures without binding keys, naming both fixes", () => {
    expect(() => parseConfig({ ...base, RAJEE_CLIENT_SIGNATURES: "required" })).toThrow(
      /RAJEE_CLIENT_SIGNATURES=required but no binding keys are configured.*set RAJEE_BINDING_KEYS_SECRET_ARN.*or use RAJEE_CLIENT_SIGNATURES=when-bound/,
    );
  });

  it("refuses an unknown client-signature mode and two binding key sources", () => {
    expect(() => parseConfig({ ...base, RAJEE_CLIENT_SIGNATURES: "optional" })).toThrow(/RAJEE_CLIENT_SIGNATURES="optional" is not a mode; use one of required, when-bound, off/);
    expect(() => parseConfig({ ...base, RAJEE_BINDING_KEYS_FILE: "a", RAJEE_BINDING_KEYS_SECRET_ARN: ARN })).toThrow(/both RAJEE_BINDING_KEYS_FILE and RAJEE_BINDING_KEYS_SECRET_ARN/);
  });

  it("reads every variable the ECS task sets, with durations in any documented form", () => {
    const config = parseConfig({
      RAJEE_LISTEN: "127.0.0.1:9100",
      RAJEE_ADMIN_LISTEN: "[::1]:9101",
      RAJEE_JWKS_SECRET_ARN: ARN,
      RAJEE_ISSUER: "https://issuer.example.com",
      RAJEE_AUDIENCE: "gateway",
      RAJEE_ALGORITHMS: "EdDSA",
      RAJEE_CLOCK_SKEW_SECONDS: "1m",
      RAJEE_MAX_TOKEN_LIFETIME_SECONDS: "1h",
      RAJEE_KEY_REFRESH_SECONDS: "30s",
      RAJEE_STALENESS_LIMIT_SECONDS: "15m",
      RAJEE_DENY_LIST_FILE: "/etc/rajee/deny.json",
      RAJEE_RATE_LIMIT_PER_SECOND: "50",
      RAJEE_VIRTUAL_HOST_DOMAIN: "S3.Example.COM",
      RAJEE_LOG_LEVEL: "warn",
      RAJEE_S3_REGION: "eu-west-1",
      RAJEE_EMF_INTERVAL_SECONDS: "0",
    });
    expect(config).toMatchObject({
      listen: { host: "127.0.0.1", port: 9100 },
      adminListen: { host: "::1", port: 9101 },
      algorithms: ["EdDSA"],
      clockSkewSeconds: 60,
      maxTokenLifetimeSeconds: 3600,
      refreshIntervalSeconds: 30,
      stalenessLimitSeconds: 900,
      denyListSource: { kind: "file", path: "/etc/rajee/deny.json" },
      rateLimitPerSecond: 50,
      rateLimitBurst: 100,
      virtualHostDomain: "s3.example.com",
      logLevel: "warn",
      s3Region: "eu-west-1",
      s3Endpoint: "s3.eu-west-1.amazonaws.com",
      emfIntervalSeconds: 0,
    });
    expect(Object.isFrozen(config)).toBe(true);
  });

  it("treats an empty value as unset", () => {
    expect(parseConfig({ ...base, RAJEE_VIRTUAL_HOST_DOMAIN: "", RAJEE_LOG_LEVEL: "" })).toMatchObject({ virtualHostDomain: undefined, logLevel: "info" });
  });

  it.each([
    [{}, "authorizer: no key source; set RAJEE_JWKS_SECRET_ARN (in AWS) or RAJEE_JWKS_FILE (local JWKS file)"],
    [{ ...base, RAJEE_JWKS_FILE: "/k.json" }, "authorizer: both RAJEE_JWKS_FILE and RAJEE_JWKS_SECRET_ARN are set; set exactly one"],
    [{ RAJEE_JWKS_SECRET_ARN: "rajee/jwks" }, 'authorizer: RAJEE_JWKS_SECRET_ARN="rajee/jwks" is not a Secrets Manager secret ARN (arn:aws:secretsmanager:<region>:<account>:secret:<name>); pass the full ARN'],
    [{ ...base, RAJEE_LISTEN: "0.0.0.0:9000" }, 'authorizer: RAJEE_LISTEN="0.0.0.0:9000" is not a loopback address; bind 127.0.0.1 (only Envoy in the same task may call the authorizer)'],
    [{ ...base, RAJEE_LISTEN: "9000" }, 'authorizer: RAJEE_LISTEN="9000" is not host:port; use e.g. 127.0.0.1:9000'],
    [{ ...base, RAJEE_ADMIN_LISTEN: "127.0.0.1:9000" }, "authorizer: RAJEE_LISTEN and RAJEE_ADMIN_LISTEN both use port 9000; the check port has no other endpoints, so give the operations port its own"],
    [{ ...base, RAJEE_ALGORITHMS: "EdDSA,HS256" }, 'authorizer: RAJEE_ALGORITHMS="EdDSA,HS256" names "HS256"; use a comma-separated subset of EdDSA, ES256'],
    [{ ...base, RAJEE_CLOCK_SKEW_SECONDS: "10 minutes" }, 'authorizer: RAJEE_CLOCK_SKEW_SECONDS="10 minutes" is not a duration in 0-300 seconds; use e.g. 30, 30s, 15m or 1h within that range'],
    [{ ...base, RAJEE_TOKEN_CACHE_SIZE: "-1" }, 'authorizer: RAJEE_TOKEN_CACHE_SIZE="-1" is not a whole number in 0-1000000; use a value in that range'],
    [{ ...base, RAJEE_STALENESS_LIMIT_SECONDS: "60" }, "authorizer: RAJEE_STALENESS_LIMIT_SECONDS=60 is not above RAJEE_KEY_REFRESH_SECONDS=60; one failed poll would make the gateway deny everything, so use at least 2 x the refresh interval"],
    [{ ...base, RAJEE_LOG_LEVEL: "verbose" }, 'authorizer: RAJEE_LOG_LEVEL="verbose" is not a log level; use one of fatal, error, warn, info, debug, trace, silent'],
    [{ ...base, RAJEE_S3_REGION: "Ireland" }, 'authorizer: RAJEE_S3_REGION="Ireland" is not an AWS region name; use e.g. eu-west-1'],
    [{ ...base, RAJEE_ISSUER: " rajee" }, 'authorizer: RAJEE_ISSUER=" rajee" has surrounding spaces or control characters; remove them'],
  ])("refuses %j with a message naming the variable and the fix", (env, message) => {
    expect(() => parseConfig(env as Record<string, string>)).toThrow(new ConfigError(message));
  });

  it("refuses an unknown RAJEE_ variable, so a typo never silently falls back to a default", () => {
    expect(() => parseConfig({ ...base, RAJEE_JWKS_SECRETARN: ARN })).toThrow(/^authorizer: unknown variable RAJEE_JWKS_SECRETARN; known ones are RAJEE_LISTEN, /);
  });

  it("ignores variables outside the RAJEE_ namespace", () => {
    expect(() => parseConfig({ ...base, AWS_REGION: "eu-west-1", PATH: "/usr/bin" })).not.toThrow();
  });
});

describe("settings table", () => {
  it("derives each CLI flag from its variable", () => {
    expect(SETTINGS.map((s) => [s.env, s.flag]).slice(0, 3)).toEqual([
      ["RAJEE_LISTEN", "listen"],
      ["RAJEE_ADMIN_LISTEN", "admin-listen"],
      ["RAJEE_JWKS_FILE", "jwks-file"],
    ]);
    expect(new Set(SETTINGS.map((s) => s.flag)).size).toBe(SETTINGS.length);
  });
});

describe("parseListenAddress and secretRegion", () => {
  it("accepts only loopback hosts", () => {
    expect(parseListenAddress("X", "localhost:0")).toEqual({ host: "localhost", port: 0 });
    expect(parseListenAddress("X", "127.0.0.2:80")).toEqual({ host: "127.0.0.2", port: 80 });
    expect(() => parseListenAddress("X", "127.0.0.256:80")).toThrow(ConfigError);
    expect(() => parseListenAddress("X", "[::]:80")).toThrow(ConfigError);
    expect(() => parseListenAddress("X", "127.0.0.1:70000")).toThrow('authorizer: X="127.0.0.1:70000" has a port above 65535; use 0-65535');
  });

  it("reads the region from a secret ARN", () => {
    expect(secretRegion(ARN)).toBe("eu-west-1");
    expect(secretRegion("arn:aws-us-gov:secretsmanager:us-gov-west-1:123456789012:secret:x")).toBe("us-gov-west-1");
  });
});
