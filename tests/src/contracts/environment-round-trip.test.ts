import { Testing } from "cdktf";
import { environmentNames, getEnvironment } from "../../../config";
import type { EnvironmentConfig } from "../../../config/environment";
import { envoySettingsForEnvironment } from "../../../envoy-templates";
import { parseConfig } from "../../../handlers/authorizer/config";
import { loadRotationConfig } from "../../../handlers/rotation/config";
import { partitionOfRegion } from "../../../src/contracts/aws-names";
import type * as AuthorizerContract from "../../../src/contracts/authorizer-environment";
import type * as RotationContract from "../../../src/contracts/rotation-environment";
import { EnvironmentStack } from "../../../stacks/environment-stack";
import type * as Stacks from "../../../stacks/environment-stack";
import { FAKE_BUNDLE, type Synthesized } from "../../modules/synth";
import { withTestApp } from "../../support/temp";

// What the infrastructure writes into each process's environment is fed, as synthesized, to that
// process's own parser: a variable the handler would refuse fails here, not at the first task start.

type Env = Record<string, string>;
type StackClass = typeof EnvironmentStack;

function synthesize(config: EnvironmentConfig, Stack: StackClass): Synthesized {
  return withTestApp((app) => JSON.parse(Testing.synth(new Stack(app, `rajee-${config.name}`, { config, rotationBundle: FAKE_BUNDLE, issuerBundle: FAKE_BUNDLE }), true)) as Synthesized);
}

/**
 * Replaces `${aws_secretsmanager_secret.<id>.arn}` with the ARN AWS gives that secret (its name plus
 * a six-character suffix); any other Terraform expression is left, so the parser sees and refuses it.
 */
function resolveSecretArns(value: string, json: Synthesized, config: EnvironmentConfig): string {
  return value.replace(/^\$\{aws_secretsmanager_secret\.([^.}]+)\.arn\}$/, (whole, id: string) => {
    const secret = json.resource?.aws_secretsmanager_secret?.[id];
    if (!secret) return whole;
    return `arn:${partitionOfRegion(config.region)}:secretsmanager:${config.region}:${config.accountId}:secret:${String(secret.name)}-AbCdEf`;
  });
}

function authorizerEnvironmentOf(json: Synthesized, config: EnvironmentConfig): Env {
  const tasks = Object.values(json.resource?.aws_ecs_task_definition ?? {});
  expect(tasks).toHaveLength(1);
  const containers = JSON.parse(tasks[0]!.container_definitions as string) as Array<{ name: string; environment?: Array<{ name: string; value: string }> }>;
  const authorizer = containers.find((c) => c.name === "authorizer");
  return Object.fromEntries((authorizer?.environment ?? []).map(({ name, value }) => [name, resolveSecretArns(value, json, config)]));
}

function rotationEnvironmentOf(json: Synthesized, config: EnvironmentConfig): Env {
  const functions = Object.values(json.resource?.aws_lambda_function ?? {}).filter((f) => f.function_name === `rajee-${config.name}-key-rotation`);
  expect(functions).toHaveLength(1);
  const variables = (functions[0]!.environment as { variables: Env }).variables;
  return Object.fromEntries(Object.entries(variables).map(([name, value]) => [name, resolveSecretArns(value, json, config)]));
}

function secretArn(json: Synthesized, config: EnvironmentConfig, idPart: string): string {
  const id = Object.keys(json.resource?.aws_secretsmanager_secret ?? {}).find((k) => k.includes(idPart));
  return resolveSecretArns(`\${aws_secretsmanager_secret.${id}.arn}`, json, config);
}

/** The stack class, loaded afresh with the authorizer's or the rotation Lambda's writer replaced. */
function stackWithWriter(
  contract: "authorizer-environment" | "rotation-environment",
  vary: (written: Readonly<Env>) => Env,
): StackClass {
  let Stack: StackClass | undefined;
  jest.isolateModules(() => {
    jest.doMock(`../../../src/contracts/${contract}`, () => {
      const actual = jest.requireActual<typeof AuthorizerContract & typeof RotationContract>(`../../../src/contracts/${contract}`);
      return contract === "authorizer-environment"
        ? { ...actual, authorizerEnvironment: (...args: Parameters<typeof actual.authorizerEnvironment>) => vary(actual.authorizerEnvironment(...args)) }
        : { ...actual, rotationEnvironment: (...args: Parameters<typeof actual.rotationEnvironment>) => vary(actual.rotationEnvironment(...args)) };
    });
    Stack = (jest.requireActual("../../../stacks/environment-stack") as typeof Stacks).EnvironmentStack;
  });
  return Stack as StackClass;
}

describe.each(environmentNames)("the synthesized %s environment", (name) => {
  const config = getEnvironment(name);
  const json = synthesize(config, EnvironmentStack);
  const envoy = envoySettingsForEnvironment(config);

  it("gives the authorizer an environment its own parser accepts, with the values the configuration set", () => {
    const parsed = parseConfig(authorizerEnvironmentOf(json, config));
    expect(parsed).toMatchObject({
      listen: { host: envoy.authorizerAddress, port: envoy.authorizerPort },
      adminListen: { host: envoy.authorizerAddress, port: envoy.authorizerAdminPort },
      keySource: { kind: "secret", arn: secretArn(json, config, "jwks") },
      denyListSource: { kind: "secret", arn: secretArn(json, config, "deny-list") },
      issuer: config.token.issuer,
      audience: config.token.audience,
      maxTokenLifetimeSeconds: config.token.maxLifetimeSeconds,
      clockSkewSeconds: config.token.clockSkewSeconds,
      s3Region: config.region,
      s3Endpoint: envoy.s3Endpoint,
      virtualHostDomain: config.domain,
      logLevel: "info",
    });
  });

  it("gives the rotation Lambda an environment its own parser accepts, with the values the configuration set", () => {
    expect(loadRotationConfig(rotationEnvironmentOf(json, config))).toEqual({
      privateKeySecretArn: secretArn(json, config, "private-key"),
      jwksSecretArn: secretArn(json, config, "jwks"),
      maxTokenLifetimeSeconds: config.token.maxLifetimeSeconds,
      clockSkewSeconds: config.token.clockSkewSeconds,
      logLevel: "info",
    });
  });

  it("points the authorizer at the JWKS secret the rotation Lambda publishes", () => {
    expect(authorizerEnvironmentOf(json, config).RAJEE_JWKS_SECRET_ARN).toBe(rotationEnvironmentOf(json, config).RAJEE_JWKS_SECRET_ARN);
  });
});

describe("the round trip", () => {
  const config = getEnvironment(environmentNames[0] as string);

  it.each<[string, (env: Readonly<Env>) => Env, RegExp]>([
    ["a variable the authorizer does not know", (env) => ({ ...env, RAJEE_MAX_TOKEN_LIFETIME: "3600" }), /unknown variable RAJEE_MAX_TOKEN_LIFETIME;/],
    ["a lifetime above the shared bound", (env) => ({ ...env, RAJEE_MAX_TOKEN_LIFETIME_SECONDS: "604800" }), /RAJEE_MAX_TOKEN_LIFETIME_SECONDS="604800" is not a duration in 60-86400/],
    ["a listen address off loopback", (env) => ({ ...env, RAJEE_LISTEN: "0.0.0.0:9000" }), /RAJEE_LISTEN="0.0.0.0:9000" is not a loopback address/],
  ])("fails when the infrastructure writes the authorizer %s", (_, vary, message) => {
    const json = synthesize(config, stackWithWriter("authorizer-environment", vary));
    expect(() => parseConfig(authorizerEnvironmentOf(json, config))).toThrow(message);
  });

  it.each<[string, (env: Readonly<Env>) => Env, RegExp]>([
    ["a secret reference it cannot resolve to an ARN", (env) => ({ ...env, RAJEE_PRIVATE_KEY_SECRET_ARN: "rajee/signing/private-key" }), /RAJEE_PRIVATE_KEY_SECRET_ARN="rajee\/signing\/private-key" is not a secret ARN/],
    ["a skew above the shared bound", (env) => ({ ...env, RAJEE_CLOCK_SKEW_SECONDS: "301" }), /RAJEE_CLOCK_SKEW_SECONDS="301" is not a whole number of seconds in 0-300/],
  ])("fails when the infrastructure writes the rotation Lambda %s", (_, vary, message) => {
    const json = synthesize(config, stackWithWriter("rotation-environment", vary));
    expect(() => loadRotationConfig(rotationEnvironmentOf(json, config))).toThrow(message);
  });
});
