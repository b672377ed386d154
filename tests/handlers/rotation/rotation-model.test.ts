import { rotationRig, T0, type RotationRig } from "./model-rig";

/**
 * Rotation where moto 5.2.1 is not Secrets Manager, against the in-memory model: a first rotation
 * of a secret with no version, RotateSecret running the function, the immutability of a version's
 * value, and RotateImmediately=false (secrets-manager-model.ts explains each). Everything else is in
 * rotation.test.ts, against moto.
 */

const epoch = (date: Date) => Math.floor(date.getTime() / 1000);

let rig: RotationRig;
afterEach(() => rig.restore());

describe("first rotation of a fresh deployment", () => {
  it("creates, publishes and promotes the first key when the private-key secret has no value and the JWKS is empty", async () => {
    rig = rotationRig();
    expect(rig.model.snapshot(rig.privateKeyArn)).toEqual({});
    const version = await rig.rotate();
    const key = rig.keyAt("AWSCURRENT");
    expect(key).toMatchObject({ kty: "OKP", crv: "Ed25519", alg: "EdDSA" });
    expect(rig.model.versionWith(rig.privateKeyArn, "AWSCURRENT")).toBe(version);
    expect(rig.model.versionWith(rig.privateKeyArn, "AWSPREVIOUS")).toBeUndefined();
    expect(rig.jwks().keys).toEqual([{ kty: "OKP", crv: "Ed25519", x: key.x, kid: key.kid, alg: "EdDSA", use: "sig", state: "current", created_at: epoch(T0) }]);
    const token = await rig.mint(key, 900);
    expect(await rig.verify(token)).toMatchObject({ ok: true, token: { kid: key.kid } });
  });
});

describe("a version's value never changes", () => {
  it("keeps the key a concurrent createSecret stored first", async () => {
    rig = rotationRig();
    const version = rig.start();
    await Promise.all([rig.step("createSecret", version), rig.step("createSecret", version)]);
    const kids = rig.lines.filter((l) => l.event === "rotation_step").map((l) => l.kid);
    expect(kids).toEqual([rig.keyAt("AWSPENDING").kid, rig.keyAt("AWSPENDING").kid]);
    expect(rig.lines.filter((l) => l.event === "rotation_step").map((l) => l.result).sort()).toEqual(["done", "unchanged"]);
  });
});

describe("RotateSecret without rotating immediately", () => {
  it("passes Secrets Manager's configuration check (testSecret alone on an empty version) without touching any key", async () => {
    rig = rotationRig();
    await rig.rotate();
    const current = { version: rig.model.versionWith(rig.privateKeyArn, "AWSCURRENT"), value: rig.model.valueAt(rig.privateKeyArn, "AWSCURRENT") };
    const jwks = rig.model.snapshot(rig.jwksArn);
    rig.model.rotateSecret({ SecretId: rig.privateKeyArn, RotateImmediately: false });
    expect(await rig.model.lastRotation).toBeUndefined();
    expect(rig.lines.at(-1)).toMatchObject({ event: "rotation_step", step: "testSecret", result: "skipped" });
    expect(rig.lines.filter((l) => l.event === "rotation_failed")).toEqual([]);
    expect({ version: rig.model.versionWith(rig.privateKeyArn, "AWSCURRENT"), value: rig.model.valueAt(rig.privateKeyArn, "AWSCURRENT") }).toEqual(current);
    expect(rig.model.snapshot(rig.jwksArn)).toEqual(jwks);
  });
});
