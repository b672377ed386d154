import { ConfigError } from "../../../src/config-error";
import { DEFAULT_KEY_CACHE_SECONDS, ISSUER_VARIABLES as V, issuerEnvironment, LAMBDA_ENVIRONMENT_MAX_BYTES, loadIssuerSettings } from "../../../src/contracts/issuer-environment";
import type { IssuancePolicy, IssuanceRule } from "../../../src/issuance/policy";

const ARN = "arn:aws:secretsmanager:eu-west-1:111122223333:secret:rajee/prod/signing/private-key-AbCdEf";
const RULE: IssuanceRule = { principals: ["arn:aws:iam::111122223333:role/analyst"], grants: ["read:data/reports/", "*:data/home/${aws:sessionName}/"], maxLifetimeSeconds: 3600 };
const POLICY: IssuancePolicy = { rules: [RULE] };

describe("issuerEnvironment and loadIssuerSettings", () => {
  it("read back what they write, defaults applied once by the writer", () => {
    const env = issuerEnvironment({ privateKeySecretArn: ARN, policy: POLICY });
    expect(env).toEqual({
      RAJEE_PRIVATE_KEY_SECRET_ARN: ARN,
      RAJEE_ISSUER: "rajee",
      RAJEE_AUDIENCE: "rajee",
      RAJEE_ISSUANCE_POLICY: JSON.stringify(POLICY),
      RAJEE_MAX_TOKEN_LIFETIME_SECONDS: "43200",
      RAJEE_KEY_CACHE_SECONDS: String(DEFAULT_KEY_CACHE_SECONDS),
      RAJEE_LOG_LEVEL: "info",
    });
    expect(loadIssuerSettings(env)).toEqual({
      privateKeySecretArn: ARN,
      issuer: "rajee",
      audience: "rajee",
      policy: POLICY,
      maxTokenLifetimeSeconds: 43200,
      keyCacheSeconds: 60,
      logLevel: "info",
    });
  });

  it("carry every setting through", () => {
    const settings = { privateKeySecretArn: ARN, issuer: "https://issuer.example", audience: "s3-gateway", policy: POLICY, maxTokenLifetimeSeconds: 3600, keyCacheSeconds: 0, logLevel: "debug" as const };
    expect(loadIssuerSettings(issuerEnvironment(settings))).toEqual(settings);
  });

  it("carry the public binding-key secret through, and refuse one that is not a secret ARN naming the variable", () => {
    const binding = "arn:aws:secretsmanager:eu-west-1:111122223333:secret:rajee-prod/binding/public-key-AbCdEf";
    const env = issuerEnvironment({ privateKeySecretArn: ARN, policy: POLICY, bindingPublicKeySecretArn: binding });
    expect(env[V.bindingPublicKeySecretArn]).toBe(binding);
    expect(loadIssuerSettings(env).bindingPublicKeySecretArn).toBe(binding);
    expect(loadIssuerSettings(issuerEnvironment({ privateKeySecretArn: ARN, policy: POLICY })).bindingPublicKeySecretArn).toBeUndefined();
    expect(() => loadIssuerSettings({ ...env, [V.bindingPublicKeySecretArn]: "rajee-prod/binding/public-key" })).toThrow(
      new ConfigError(
        'issuer: RAJEE_BINDING_PUBLIC_KEY_SECRET_ARN="rajee-prod/binding/public-key" is not a secret ARN; use arn:aws:secretsmanager:<region>:<12-digit account>:secret:<name>, or unset it to issue bearer tokens',
      ),
    );
  });

  it("hand the handler a frozen policy", () => {
    const settings = loadIssuerSettings(issuerEnvironment({ privateKeySecretArn: ARN, policy: POLICY }));
    expect(Object.isFrozen(settings.policy.rules[0]?.grants)).toBe(true);
  });

  it("refuse to write an invalid policy, naming the rule", () => {
    expect(() => issuerEnvironment({ privateKeySecretArn: ARN, policy: { rules: [{ ...RULE, maxLifetimeSeconds: 7200 }] }, maxTokenLifetimeSeconds: 3600 })).toThrow(
      new ConfigError("issuer.policy: rules[0].maxLifetimeSeconds=7200 is not a whole number of seconds in 60-3600 (the environment's token maxLifetimeSeconds); use e.g. 3600"),
    );
  });

  it("refuse an environment over Lambda's 4 KB, naming the policy's size and the fix", () => {
    const rules = Array.from({ length: 40 }, (_, i) => ({ ...RULE, principals: [`arn:aws:iam::111122223333:role/analyst-${i}`] }));
    const policyBytes = JSON.stringify({ rules }).length;
    expect(policyBytes).toBeGreaterThan(LAMBDA_ENVIRONMENT_MAX_BYTES);
    expect(() => issuerEnvironment({ privateKeySecretArn: ARN, policy: { rules } })).toThrow(new RegExp(`over Lambda's 4096; the policy takes ${policyBytes} of them\\. Shorten it: merge rules`));
  });

  it("accept a policy that just fits", () => {
    // Grow one rule's grants until the next would pass the limit: the last size that passes is written.
    const grants: string[] = [];
    let written = issuerEnvironment({ privateKeySecretArn: ARN, policy: POLICY });
    for (let i = 0; ; i += 1) {
      grants.push(`read:data/team-${String(i).padStart(4, "0")}/`);
      try {
        written = issuerEnvironment({ privateKeySecretArn: ARN, policy: { rules: [{ ...RULE, grants }] } });
      } catch {
        break;
      }
    }
    expect(Buffer.byteLength(JSON.stringify(written))).toBeLessThanOrEqual(LAMBDA_ENVIRONMENT_MAX_BYTES);
    expect(Buffer.byteLength(JSON.stringify(written))).toBeGreaterThan(LAMBDA_ENVIRONMENT_MAX_BYTES - 40);
  });

  const valid = () => ({ ...issuerEnvironment({ privateKeySecretArn: ARN, policy: POLICY }) }) as Record<string, string | undefined>;

  it.each([
    [V.privateKeySecretArn, undefined, "RAJEE_PRIVATE_KEY_SECRET_ARN is not set"],
    [V.privateKeySecretArn, "arn:aws:secretsmanager:cn-north-1:111122223333:secret:x", "is not a secret ARN"],
    [V.policy, undefined, "RAJEE_ISSUANCE_POLICY is not set"],
    [V.policy, "{rules: []}", "RAJEE_ISSUANCE_POLICY is not JSON"],
    [V.policy, "[]", "is not a JSON object"],
    [V.policy, '{"rules": []}', "rules is empty"],
    [V.policy, JSON.stringify({ rules: [{ ...RULE, grants: ["read:data/${x}/"] }] }), "rules[0].grants[0]"],
    [V.maxTokenLifetimeSeconds, "1800", "rules[0].maxLifetimeSeconds=3600 is not a whole number of seconds in 60-1800"],
    [V.maxTokenLifetimeSeconds, "12h", "RAJEE_MAX_TOKEN_LIFETIME_SECONDS=\"12h\""],
    [V.keyCacheSeconds, "301", "RAJEE_KEY_CACHE_SECONDS=\"301\" is not a whole number of seconds in 0-300"],
    [V.logLevel, "loud", "RAJEE_LOG_LEVEL=\"loud\" is not a log level"],
    [V.issuer, "rajee\n", "RAJEE_ISSUER has a control character"],
  ])("refuse %s=%j with one ConfigError naming the variable (%s)", (name, value, words) => {
    const env = valid();
    env[name] = value;
    expect(() => loadIssuerSettings(env)).toThrow(ConfigError);
    expect(() => loadIssuerSettings(env)).toThrow(words);
  });
});
