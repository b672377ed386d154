import { loadRotationConfig } from "../../../handlers/rotation/config";
import { overlapSeconds } from "../../../src/keys/jwks-plan";

const PK = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:rajee/prod/signing-key-AbCdEf";
const JWKS = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:rajee/prod/jwks-GhIjKl";
const base = { RAJEE_PRIVATE_KEY_SECRET_ARN: PK, RAJEE_JWKS_SECRET_ARN: JWKS };

describe("loadRotationConfig", () => {
  it("applies the documented defaults and freezes the result", () => {
    const config = loadRotationConfig(base);
    expect(config).toEqual({ privateKeySecretArn: PK, jwksSecretArn: JWKS, maxTokenLifetimeSeconds: 43200, clockSkewSeconds: 30, logLevel: "info" });
    expect(Object.isFrozen(config)).toBe(true);
    expect(overlapSeconds(config)).toBe(43230);
  });

  it("reads the lifetime, skew and log level", () => {
    expect(
      loadRotationConfig({ ...base, RAJEE_MAX_TOKEN_LIFETIME_SECONDS: "3600", RAJEE_CLOCK_SKEW_SECONDS: "0", RAJEE_LOG_LEVEL: "debug" }),
    ).toMatchObject({ maxTokenLifetimeSeconds: 3600, clockSkewSeconds: 0, logLevel: "debug" });
  });

  it.each([
    [{ RAJEE_JWKS_SECRET_ARN: JWKS }, "rotation: RAJEE_PRIVATE_KEY_SECRET_ARN is not set; set it to the secret's ARN (arn:aws:secretsmanager:<region>:<12-digit account>:secret:<name>)"],
    [{ ...base, RAJEE_JWKS_SECRET_ARN: "rajee/prod/jwks" }, 'rotation: RAJEE_JWKS_SECRET_ARN="rajee/prod/jwks" is not a secret ARN; use arn:aws:secretsmanager:<region>:<12-digit account>:secret:<name>'],
    [{ ...base, RAJEE_JWKS_SECRET_ARN: PK }, "rotation: RAJEE_PRIVATE_KEY_SECRET_ARN and RAJEE_JWKS_SECRET_ARN name the same secret; the public JWKS needs its own secret"],
    [{ ...base, RAJEE_MAX_TOKEN_LIFETIME_SECONDS: "12h" }, 'rotation: RAJEE_MAX_TOKEN_LIFETIME_SECONDS="12h" is not a whole number of seconds in 60-86400; use e.g. 43200'],
    [{ ...base, RAJEE_MAX_TOKEN_LIFETIME_SECONDS: "0" }, 'rotation: RAJEE_MAX_TOKEN_LIFETIME_SECONDS="0" is not a whole number of seconds in 60-86400; use e.g. 43200'],
    [{ ...base, RAJEE_CLOCK_SKEW_SECONDS: "-1" }, 'rotation: RAJEE_CLOCK_SKEW_SECONDS="-1" is not a whole number of seconds in 0-300; use e.g. 30'],
    [{ ...base, RAJEE_LOG_LEVEL: "verbose" }, 'rotation: RAJEE_LOG_LEVEL="verbose" is not a log level; use one of fatal, error, warn, info, debug, trace, silent'],
  ])("refuses %o with a message naming the variable and the fix", (env, message) => {
    expect(() => loadRotationConfig(env)).toThrow(message);
  });
});
