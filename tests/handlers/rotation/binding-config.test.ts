import { isBindingRotation, loadBindingRotationConfig } from "../../../handlers/rotation/binding-config";
import { bindingRotationEnvironment } from "../../../src/contracts/binding-rotation-environment";

const PRIVATE = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:rajee-dev/binding/private-keys-AbCdEf";
const PUBLIC = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:rajee-dev/binding/public-key-AbCdEf";

describe("loadBindingRotationConfig", () => {
  it("reads back what the infrastructure writes", () => {
    const env = bindingRotationEnvironment({ privateSecretArn: PRIVATE, publicSecretArn: PUBLIC, maxTokenLifetimeSeconds: 3600, clockSkewSeconds: 60 });
    expect(isBindingRotation(env)).toBe(true);
    expect(loadBindingRotationConfig(env)).toEqual({ privateKeySecretArn: PRIVATE, publicKeySecretArn: PUBLIC, publishAfterSeconds: 7200, maxTokenLifetimeSeconds: 3600, clockSkewSeconds: 60, logLevel: "info" });
  });

  it("is not chosen for the signing keys' environment", () => {
    expect(isBindingRotation({ RAJEE_PRIVATE_KEY_SECRET_ARN: PRIVATE })).toBe(false);
  });

  it("refuses one secret for both halves, naming both variables", () => {
    expect(() => loadBindingRotationConfig({ RAJEE_BINDING_KEYS_SECRET_ARN: PRIVATE, RAJEE_BINDING_PUBLIC_KEY_SECRET_ARN: PRIVATE })).toThrow(
      "RAJEE_BINDING_KEYS_SECRET_ARN and RAJEE_BINDING_PUBLIC_KEY_SECRET_ARN name the same secret",
    );
  });

  it("refuses a publish delay outside 0-86400 s", () => {
    expect(() => loadBindingRotationConfig({ RAJEE_BINDING_KEYS_SECRET_ARN: PRIVATE, RAJEE_BINDING_PUBLIC_KEY_SECRET_ARN: PUBLIC, RAJEE_BINDING_PUBLISH_AFTER_SECONDS: "90000" })).toThrow(
      'RAJEE_BINDING_PUBLISH_AFTER_SECONDS="90000" is not a whole number of seconds in 0-86400',
    );
  });
});
