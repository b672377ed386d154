import fc from "fast-check";
import { parseConfig, SETTINGS } from "../../../handlers/authorizer/config";
import { loadRotationConfig } from "../../../handlers/rotation/config";
import { AUTHORIZER_VARIABLES, authorizerEnvironment, denyListSecretName, type AuthorizerSettings } from "../../../src/contracts/authorizer-environment";
import { CLOCK_SKEW_SECONDS, clockSkewProblem, LOG_LEVELS, TOKEN_LIFETIME_SECONDS, tokenLifetimeProblem } from "../../../src/contracts/environment";
import { ROTATION_VARIABLES, rotationEnvironment } from "../../../src/contracts/rotation-environment";

const JWKS = "arn:aws:secretsmanager:eu-west-1:111111111111:secret:rajee/jwks-AbCdEf";
const PRIVATE_KEY = "arn:aws:secretsmanager:eu-west-1:111111111111:secret:rajee/private-key-AbCdEf";
const settings: AuthorizerSettings = {
  jwksSecretArn: JWKS,
  issuer: "https://issuer.example.com",
  audience: "rajee",
  maxTokenLifetimeSeconds: 3600,
  clockSkewSeconds: 30,
  s3Region: "eu-west-1",
  s3Endpoint: "s3.eu-west-1.amazonaws.com",
};
const placement = { region: "eu-west-1", checkPort: 9000, adminPort: 9001 };

describe("the token bounds shared by config/, the modules and both processes", () => {
  it("accept exactly the whole seconds inside the range", () => {
    fc.assert(
      fc.property(fc.integer({ min: -10, max: 100_000 }), (seconds) => {
        const inLifetime = seconds >= TOKEN_LIFETIME_SECONDS.min && seconds <= TOKEN_LIFETIME_SECONDS.max;
        const inSkew = seconds >= CLOCK_SKEW_SECONDS.min && seconds <= CLOCK_SKEW_SECONDS.max;
        expect(tokenLifetimeProblem(seconds) === undefined).toBe(inLifetime);
        expect(clockSkewProblem(seconds) === undefined).toBe(inSkew);
      }),
    );
    expect(tokenLifetimeProblem(3600.5)).toBe("must be 60-86400 seconds (tokens are short-lived; 43200 is the default)");
    expect(clockSkewProblem(301)).toBe("must be 0-300 seconds");
  });

  it("are what both parsers accept at their edges and refuse just outside", () => {
    const authorizer = (name: string, value: number) => () => parseConfig({ RAJEE_JWKS_FILE: "/k.json", [name]: String(value) });
    const rotation = (name: string, value: number) => () => loadRotationConfig({ RAJEE_PRIVATE_KEY_SECRET_ARN: PRIVATE_KEY, RAJEE_JWKS_SECRET_ARN: JWKS, [name]: String(value) });
    for (const parse of [authorizer, rotation]) {
      for (const [name, { min, max }] of [
        [AUTHORIZER_VARIABLES.maxTokenLifetimeSeconds, TOKEN_LIFETIME_SECONDS],
        [AUTHORIZER_VARIABLES.clockSkewSeconds, CLOCK_SKEW_SECONDS],
      ] as const) {
        expect(parse(name, min)).not.toThrow();
        expect(parse(name, max)).not.toThrow();
        expect(parse(name, max + 1)).toThrow(name);
        if (min > 0) expect(parse(name, min - 1)).toThrow(name);
      }
    }
  });
});

describe("the authorizer's variables", () => {
  it("are exactly the settings the authorizer documents and parses", () => {
    expect(SETTINGS.map((s) => s.env).sort()).toEqual(Object.values(AUTHORIZER_VARIABLES).sort());
  });
});

describe("authorizerEnvironment", () => {
  it("writes the SDK region, loopback ports and every setting, leaving out what is unset", () => {
    expect(authorizerEnvironment(placement, settings)).toEqual({
      AWS_REGION: "eu-west-1",
      RAJEE_LISTEN: "127.0.0.1:9000",
      RAJEE_ADMIN_LISTEN: "127.0.0.1:9001",
      RAJEE_JWKS_SECRET_ARN: JWKS,
      RAJEE_ISSUER: "https://issuer.example.com",
      RAJEE_AUDIENCE: "rajee",
      RAJEE_MAX_TOKEN_LIFETIME_SECONDS: "3600",
      RAJEE_CLOCK_SKEW_SECONDS: "30",
      RAJEE_S3_REGION: "eu-west-1",
      RAJEE_S3_ENDPOINT: "s3.eu-west-1.amazonaws.com",
      RAJEE_LOG_LEVEL: "info",
      RAJEE_CLIENT_SIGNATURES: "when-bound",
    });
  });

  it("requires client signatures once a binding-key secret is given, and refuses required without one", () => {
    const binding = JWKS.replace("jwks", "binding");
    const env = authorizerEnvironment(placement, { ...settings, bindingKeysSecretArn: binding });
    expect(env).toMatchObject({ RAJEE_CLIENT_SIGNATURES: "required", RAJEE_BINDING_KEYS_SECRET_ARN: binding });
    expect(parseConfig(env)).toMatchObject({ clientSignatures: "required", bindingKeySource: { kind: "secret", arn: binding } });
    expect(() => authorizerEnvironment(placement, { ...settings, clientSignatures: "required" })).toThrow(/clientSignatures="required" needs bindingKeysSecretArn/);
  });

  it("hands over the deny-list secret, which the authorizer's parser reads back as its deny-list source", () => {
    const denyList = `arn:aws:secretsmanager:eu-west-1:111111111111:secret:${denyListSecretName("rajee-dev")}-AbCdEf`;
    const env = authorizerEnvironment(placement, { ...settings, denyListSecretArn: denyList });
    expect(env.RAJEE_DENY_LIST_SECRET_ARN).toBe(denyList);
    expect(parseConfig(env).denyListSource).toEqual({ kind: "secret", arn: denyList });
    // Unset, nothing is written and nothing can be revoked: the stack always sets it.
    expect(parseConfig(authorizerEnvironment(placement, settings)).denyListSource).toBeUndefined();
  });

  it("names the deny-list secret beside the signing and binding secrets of the same prefix", () => {
    expect(denyListSecretName("rajee-prod")).toBe("rajee-prod/revocation/deny-list");
  });

  it("writes only variables the authorizer documents, and the parser reads back every value for any level and domain", () => {
    const documented = new Set(SETTINGS.map((s) => s.env));
    fc.assert(
      fc.property(fc.constantFrom(...LOG_LEVELS), fc.option(fc.constantFrom("s3.example.com", "gw.internal"), { nil: undefined }), (logLevel, virtualHostDomain) => {
        const env = authorizerEnvironment(placement, { ...settings, logLevel, virtualHostDomain });
        for (const name of Object.keys(env).filter((n) => n.startsWith("RAJEE_"))) expect(documented).toContain(name);
        expect(parseConfig(env)).toMatchObject({ logLevel, virtualHostDomain, issuer: settings.issuer, keySource: { kind: "secret", arn: JWKS } });
      }),
    );
  });
});

describe("rotationEnvironment", () => {
  it("writes the two secrets, the token bounds and the level under the names the Lambda reads", () => {
    const env = rotationEnvironment({ privateKeySecretArn: PRIVATE_KEY, jwksSecretArn: JWKS, maxTokenLifetimeSeconds: 43200, clockSkewSeconds: 30 });
    expect(Object.keys(env).sort()).toEqual(Object.values(ROTATION_VARIABLES).sort());
    expect(loadRotationConfig(env)).toEqual({ privateKeySecretArn: PRIVATE_KEY, jwksSecretArn: JWKS, maxTokenLifetimeSeconds: 43200, clockSkewSeconds: 30, logLevel: "info" });
  });

  it("shares the JWKS, lifetime, skew and level names with the authorizer", () => {
    for (const key of ["jwksSecretArn", "maxTokenLifetimeSeconds", "clockSkewSeconds", "logLevel"] as const) {
      expect(ROTATION_VARIABLES[key]).toBe(AUTHORIZER_VARIABLES[key]);
    }
  });
});
