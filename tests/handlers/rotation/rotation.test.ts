import { randomUUID } from "node:crypto";
import { CreateSecretCommand, DescribeSecretCommand, RotateSecretCommand } from "@aws-sdk/client-secrets-manager";
import fc from "fast-check";
import type { RotatedKey } from "../../../src/keys/jwks-plan";
import { LONG_TESTS } from "../../support/long-tests";
import { motoSetup, startMoto, type Moto } from "../../support/moto";
import { motoRotationRig, STEPS, T0, type Fault, type MotoRotationRig } from "./moto-rig";

/**
 * The rotation handler against moto's Secrets Manager (real SDK client, real HTTP). What moto cannot
 * do (see moto-rig.ts) is tested against the in-memory model in rotation-model.test.ts.
 */

const moto = motoSetup();
const describeWithMoto = moto.ok ? describe : describe.skip;

const epoch = (date: Date) => Math.floor(date.getTime() / 1000);

let aws: Moto;
if (moto.ok) {
  beforeAll(async () => {
    aws = await startMoto();
  });
  afterAll(() => aws.stop());
}

const rigFor = (env: Record<string, string> = {}) => motoRotationRig(aws.url, env);

async function states(r: MotoRotationRig): Promise<Record<string, string | undefined>> {
  return Object.fromEntries((await r.jwks()).keys.map((k) => [k.kid, k.state]));
}

const failures = (r: MotoRotationRig) => r.lines.filter((l) => l.event === "rotation_failed");
const failureMetrics = (r: MotoRotationRig) => r.lines.filter((l) => l.RotationFailures === 1);
const both = async (r: MotoRotationRig) => ({ keys: await r.snapshot(r.privateKeyArn), jwks: await r.snapshot(r.jwksArn) });

describeWithMoto("the secrets, made as the signing-keys module makes them", () => {
  it("are encrypted with the KMS key, and RotateSecret enables rotation with the function and leaves an empty AWSPENDING version", async () => {
    const rig = await rigFor();
    const before = await rig.describe();
    expect(before).toEqual({ [rig.firstVersion]: ["AWSCURRENT"] });
    const version = await rig.start();
    const { KmsKeyId, RotationEnabled, RotationLambdaARN } = await rig.sm.send(new DescribeSecretCommand({ SecretId: rig.privateKeyArn }));
    expect({ KmsKeyId, RotationEnabled, RotationLambdaARN }).toEqual({ KmsKeyId: rig.kmsKeyArn, RotationEnabled: true, RotationLambdaARN: rig.rotationLambdaArn });
    // moto's RotateSecret invokes the (Docker-less) function, which runs nothing; the labels are Secrets Manager's.
    expect(await rig.describe()).toEqual({ [rig.firstVersion]: ["AWSCURRENT"], [version]: ["AWSPENDING"] });
    expect((await rig.snapshot(rig.privateKeyArn))[version]).toEqual({ value: undefined, stages: ["AWSPENDING"] });
  });
});

describeWithMoto("where moto differs from Secrets Manager (if one of these fails, moto changed: drop the workaround it names)", () => {
  it("RotateSecret without RotationLambdaARN forgets the function and makes the new, empty version AWSCURRENT itself (moto-front.ts adds the ARN)", async () => {
    const rig = await rigFor();
    const out = await rig.sm.send(new RotateSecretCommand({ SecretId: rig.privateKeyArn }));
    expect((await rig.snapshot(rig.privateKeyArn))[out.VersionId as string]).toEqual({ value: undefined, stages: ["AWSCURRENT"] });
    expect((await rig.sm.send(new DescribeSecretCommand({ SecretId: rig.privateKeyArn }))).RotationLambdaARN).toBe("");
  });

  it("RotateSecret refuses after a finished rotation, while AWSPENDING is on the AWSCURRENT version (the rig's start() takes it off)", async () => {
    const rig = await rigFor();
    await rig.rotate();
    await expect(rig.sm.send(new RotateSecretCommand({ SecretId: rig.privateKeyArn, RotationLambdaARN: rig.rotationLambdaArn }))).rejects.toThrow("Previous rotation request is still in progress.");
  });

  it("PutSecretValue overwrites the value of an AWSPENDING version given its token (concurrent createSecret is tested on the model)", async () => {
    const rig = await rigFor();
    const version = await rig.start();
    await rig.putValue(rig.privateKeyArn, "first", { versionId: version, stages: ["AWSPENDING"] });
    await rig.putValue(rig.privateKeyArn, "second", { versionId: version, stages: ["AWSPENDING"] });
    expect((await rig.snapshot(rig.privateKeyArn))[version]).toEqual({ value: "second", stages: ["AWSPENDING"] });
  });

  it("RotateSecret fails on a secret with no version (the first rotation is tested on the model)", async () => {
    const rig = await rigFor();
    const empty = await rig.sm.send(new CreateSecretCommand({ Name: `${rig.privateKeyArn.split(":").at(-1)}-empty`, KmsKeyId: rig.kmsKeyArn }));
    await expect(rig.sm.send(new RotateSecretCommand({ SecretId: empty.ARN, RotationLambdaARN: rig.rotationLambdaArn }))).rejects.toMatchObject({ $metadata: { httpStatusCode: 500 } });
  });
});

describeWithMoto("a full rotation", () => {
  it("publishes the pending key before it signs, then promotes it and retires the old key with its retirement time", async () => {
    const rig = await rigFor();
    const old = await rig.keyAt("AWSCURRENT");
    rig.advance(3600);
    const version = await rig.start();

    await rig.step("createSecret", version);
    const pending = await rig.keyAt("AWSPENDING");
    expect(pending).toMatchObject({ kty: "OKP", crv: "Ed25519", alg: "EdDSA" });
    expect(pending.kid).not.toBe(old.kid);
    expect(await states(rig)).toEqual({ [old.kid]: "current" });

    await rig.step("setSecret", version);
    expect(await states(rig)).toEqual({ [old.kid]: "current", [pending.kid]: "pending" });
    expect((await rig.keyAt("AWSCURRENT")).kid).toBe(old.kid);
    // New tokens verify as soon as the key is published, before it becomes AWSCURRENT.
    expect(await rig.verify(await rig.mint(pending, 900))).toMatchObject({ ok: true });

    const beforeTest = await both(rig);
    await rig.step("testSecret", version);
    expect(await both(rig)).toEqual(beforeTest);

    rig.advance(5);
    await rig.step("finishSecret", version);
    expect(await rig.describe()).toEqual({ [rig.firstVersion]: ["AWSPREVIOUS"], [version]: ["AWSCURRENT", "AWSPENDING"] });
    expect((await rig.keyAt("AWSCURRENT")).kid).toBe(pending.kid);
    const byKid = new Map((await rig.jwks()).keys.map((k) => [k.kid, k as RotatedKey]));
    expect(byKid.get(pending.kid)).toMatchObject({ state: "current", created_at: epoch(T0) + 3600 });
    expect(byKid.get(pending.kid)?.retired_at).toBeUndefined();
    expect(byKid.get(old.kid)).toMatchObject({ state: "previous", retired_at: epoch(T0) + 3605 });
    expect(failures(rig)).toEqual([]);
  });

  it("logs one line per step with the kid, and a RotationsCompleted metric when it finishes", async () => {
    const rig = await rigFor();
    const version = await rig.rotate();
    const kid = (await rig.keyAt("AWSCURRENT")).kid;
    const steps = rig.lines.filter((l) => l.event === "rotation_step");
    expect(steps.map((l) => [l.step, l.result, l.kid, l.version])).toEqual(STEPS.map((s) => [s, "done", kid, version]));
    expect(rig.lines.filter((l) => l.RotationsCompleted === 1)).toHaveLength(1);
  });

  it("writes the pending key with the version's ClientRequestToken and the event's RotationToken, and never logs the token", async () => {
    const rig = await rigFor();
    const version = await rig.start();
    const rotationToken = "rotation-token-5f1b2c3d4e5f6a7b8c9d";
    await rig.handler({ Step: "createSecret", SecretId: rig.privateKeyArn, ClientRequestToken: version, RotationToken: rotationToken });
    const puts = rig.calls.filter((c) => c.operation === "PutSecretValue").map((c) => c.input);
    expect(puts).toEqual([expect.objectContaining({ SecretId: rig.privateKeyArn, ClientRequestToken: version, VersionStages: ["AWSPENDING"], RotationToken: rotationToken })]);
    expect((await rig.describe())[version]).toEqual(["AWSPENDING"]);
    expect(rig.raw()).not.toContain(rotationToken);
  });
});

describeWithMoto("retries", () => {
  it.each(STEPS)("running %s twice leaves the same versions, labels and values as running it once", async (repeated) => {
    const rig = await rigFor();
    const version = await rig.start();
    for (const step of STEPS) {
      await rig.step(step, version);
      if (step !== repeated) continue;
      const before = await both(rig);
      rig.advance(30);
      await rig.step(step, version);
      expect(await both(rig)).toEqual(before);
    }
    expect(await rig.versionWith("AWSCURRENT")).toBe(version);
    expect(failures(rig)).toEqual([]);
  });

  it("resumes after a crash between steps with the same pending key", async () => {
    const rig = await rigFor();
    const old = await rig.keyAt("AWSCURRENT");
    const version = await rig.start();
    await rig.step("createSecret", version);
    await rig.step("setSecret", version);
    const pending = await rig.keyAt("AWSPENDING");
    // The function died here; Secrets Manager invokes the steps again from the start.
    rig.advance(600);
    for (const step of STEPS) await rig.step(step, version);
    expect((await rig.keyAt("AWSCURRENT")).kid).toBe(pending.kid);
    expect(await states(rig)).toEqual({ [old.kid]: "previous", [pending.kid]: "current" });
  });

  it("repairs the JWKS when finishSecret crashed after moving AWSCURRENT, and tokens of both keys verify meanwhile", async () => {
    const rig = await rigFor();
    const old = await rig.keyAt("AWSCURRENT");
    const oldToken = await rig.mint(old, 3600);
    const version = await rig.start();
    for (const step of ["createSecret", "setSecret", "testSecret"]) await rig.step(step, version);
    rig.faults.push({ operation: "PutSecretValue", secretId: rig.jwksArn });
    rig.advance(10);
    await expect(rig.step("finishSecret", version)).rejects.toThrow("injected fault before PutSecretValue");
    expect(failures(rig)).toEqual([expect.objectContaining({ step: "finishSecret", version, code: "aws", error: { name: "InjectedFault", message: "injected fault before PutSecretValue" } })]);
    expect(failureMetrics(rig)).toHaveLength(1);

    const fresh = await rig.keyAt("AWSCURRENT");
    expect(fresh.kid).not.toBe(old.kid);
    expect(await states(rig)).toEqual({ [old.kid]: "current", [fresh.kid]: "pending" });
    expect(await rig.verify(oldToken)).toMatchObject({ ok: true });
    expect(await rig.verify(await rig.mint(fresh, 3600))).toMatchObject({ ok: true });

    rig.advance(60);
    await rig.step("finishSecret", version);
    expect(await states(rig)).toEqual({ [old.kid]: "previous", [fresh.kid]: "current" });
    expect(((await rig.jwks()).keys.find((k) => k.kid === old.kid) as RotatedKey).retired_at).toBe(epoch(rig.now));
  });

  describe("a crash at any SDK call of any step", () => {
    // Every call each step makes in an undisturbed rotation, in order; a fault is injected at each one.
    const CALLS: Record<(typeof STEPS)[number], Fault["operation"][]> = {
      createSecret: ["DescribeSecret", "GetSecretValue", "PutSecretValue"],
      setSecret: ["DescribeSecret", "GetSecretValue", "GetSecretValue", "GetSecretValue", "PutSecretValue"],
      testSecret: ["DescribeSecret", "GetSecretValue", "GetSecretValue", "GetSecretValue", "GetSecretValue"],
      finishSecret: ["DescribeSecret", "GetSecretValue", "GetSecretValue", "UpdateSecretVersionStage", "PutSecretValue"],
    };

    it("makes exactly these calls in an undisturbed rotation", async () => {
      const rig = await rigFor();
      const version = await rig.start();
      const made: Record<string, string[]> = {};
      for (const step of STEPS) {
        const from = rig.calls.length;
        await rig.step(step, version);
        made[step] = rig.calls.slice(from).map((c) => c.operation);
      }
      expect(made).toEqual(CALLS);
    });

    const cases = STEPS.flatMap((step) => CALLS[step].flatMap((operation, index) => (["before", "after"] as const).map((when) => [step, index, operation, when] as const)));

    it.each(cases)("%s, call %i (%s), %s it: the retried rotation completes with one new key and the old key's tokens still verify", async (step, index, _operation, when) => {
      const rig = await rigFor({ RAJEE_MAX_TOKEN_LIFETIME_SECONDS: "3600" });
      const old = await rig.keyAt("AWSCURRENT");
      const oldToken = await rig.mint(old, 3600);
      const version = await rig.start();
      for (const earlier of STEPS.slice(0, STEPS.indexOf(step))) await rig.step(earlier, version);
      // Fault the index-th call of this step: the calls of the same operation before it go through.
      const target = CALLS[step][index] as Fault["operation"];
      const skip = CALLS[step].slice(0, index).filter((op) => op === target).length;
      rig.faults.push({ operation: target, when, skip });
      await expect(rig.step(step, version)).rejects.toThrow(`injected fault ${when} ${target}`);
      expect(rig.faults).toEqual([]);
      expect(failures(rig)).toEqual([expect.objectContaining({ step, code: "aws" })]);
      expect(await rig.verify(oldToken)).toMatchObject({ ok: true });
      const storedBeforeRetry = await rig.valueAt(rig.privateKeyArn, "AWSPENDING");

      rig.advance(60);
      for (const retry of STEPS.slice(STEPS.indexOf(step))) await rig.step(retry, version);
      const current = await rig.keyAt("AWSCURRENT");
      // A key the crashed attempt stored is the one that signs: the retry never makes a second one.
      if (storedBeforeRetry !== undefined) expect(current.kid).toBe((JSON.parse(storedBeforeRetry) as { kid: string }).kid);
      expect(await rig.describe()).toEqual({ [rig.firstVersion]: ["AWSPREVIOUS"], [version]: ["AWSCURRENT", "AWSPENDING"] });
      expect(await states(rig)).toEqual({ [old.kid]: "previous", [current.kid]: "current" });
      expect(await rig.verify(oldToken)).toMatchObject({ ok: true });
      expect(await rig.verify(await rig.mint(current, 600))).toMatchObject({ ok: true });
      expect(failures(rig)).toHaveLength(1);
    });
  });
});

describeWithMoto("rotations in a row and pruning", () => {
  it("keeps every previous key published through two rotations in a row", async () => {
    const rig = await rigFor();
    const first = await rig.keyAt("AWSCURRENT");
    const firstToken = await rig.mint(first, 43200);
    rig.advance(60);
    const secondVersion = await rig.rotate();
    const second = await rig.keyAt("AWSCURRENT");
    const secondToken = await rig.mint(second, 43200);
    rig.advance(60);
    const thirdVersion = await rig.rotate();
    const third = await rig.keyAt("AWSCURRENT");
    expect(await states(rig)).toEqual({ [first.kid]: "previous", [second.kid]: "previous", [third.kid]: "current" });
    for (const token of [firstToken, secondToken, await rig.mint(third, 60)]) expect(await rig.verify(token)).toMatchObject({ ok: true });
    // Secrets Manager keeps one AWSPREVIOUS; older versions lose their labels.
    expect(await rig.describe()).toEqual({ [secondVersion]: ["AWSPREVIOUS"], [thirdVersion]: ["AWSCURRENT", "AWSPENDING"] });
  });

  it("prunes a previous key only once maximum token lifetime plus skew has passed since it retired", async () => {
    const rig = await rigFor({ RAJEE_MAX_TOKEN_LIFETIME_SECONDS: "3600", RAJEE_CLOCK_SKEW_SECONDS: "30" });
    const first = await rig.keyAt("AWSCURRENT");
    rig.advance(100);
    await rig.rotate(); // first retires now
    const retiredAt = epoch(rig.now);
    rig.advance(3630 - 1);
    await rig.rotate();
    expect((await rig.jwks()).keys.map((k) => k.kid)).toContain(first.kid);
    rig.advance(1);
    expect(epoch(rig.now)).toBe(retiredAt + 3630);
    await rig.rotate();
    expect((await rig.jwks()).keys.map((k) => k.kid)).not.toContain(first.kid);
    expect((await rig.jwks()).keys).toHaveLength(3);
    const setLines = rig.lines.filter((l) => l.event === "rotation_step" && l.step === "setSecret");
    expect(setLines.at(-1)).toMatchObject({ pruned: [first.kid] });
  });

  it("keeps tokens signed by a retired key verifying until they expire, then they are refused as expired", async () => {
    const rig = await rigFor();
    const old = await rig.keyAt("AWSCURRENT");
    const token = await rig.mint(old, rig.config.maxTokenLifetimeSeconds);
    rig.advance(1);
    await rig.rotate();
    rig.advance(rig.config.maxTokenLifetimeSeconds - 100);
    await rig.rotate(); // a second rotation inside the overlap must not drop the key
    rig.advance(99 + rig.config.clockSkewSeconds - 1);
    expect(await rig.verify(token)).toMatchObject({ ok: true });
    rig.advance(1);
    expect(await rig.verify(token)).toMatchObject({ ok: false, reason: "expired" });
  });
});

describeWithMoto("repairs", () => {
  it("marks the AWSCURRENT key current again after a manual rollback, so pruning never drops the signing key", async () => {
    const rig = await rigFor({ RAJEE_MAX_TOKEN_LIFETIME_SECONDS: "600" });
    const first = await rig.keyAt("AWSCURRENT");
    const secondVersion = await rig.rotate();
    // Break-glass rollback (docs/operations.md): AWSCURRENT back to the first key, the finished rotation's AWSPENDING removed.
    await rig.moveStage("AWSCURRENT", rig.firstVersion, secondVersion);
    await rig.moveStage("AWSPENDING", undefined, secondVersion);
    expect(await rig.describe()).toEqual({ [rig.firstVersion]: ["AWSCURRENT"], [secondVersion]: ["AWSPREVIOUS"] });
    rig.advance(7200);
    const version = await rig.start();
    await rig.step("createSecret", version);
    await rig.step("setSecret", version);
    const jwks = await rig.jwks();
    expect(jwks.keys.find((k) => k.kid === first.kid)).toMatchObject({ state: "current" });
    expect(jwks.keys.find((k) => k.kid === first.kid)?.retired_at).toBeUndefined();
    expect(rig.lines.at(-1)).toMatchObject({ step: "setSecret", repaired: [first.kid] });
  });

  it("retires, rather than drops, the key of an abandoned rotation", async () => {
    const rig = await rigFor();
    const abandoned = await rig.start();
    await rig.step("createSecret", abandoned);
    await rig.step("setSecret", abandoned);
    const orphan = await rig.keyAt("AWSPENDING");
    // The operator clears the stuck rotation (runbook), then starts a new one.
    await rig.moveStage("AWSPENDING", undefined, abandoned);
    rig.advance(300);
    await rig.rotate();
    expect((await rig.jwks()).keys.find((k) => k.kid === orphan.kid)).toMatchObject({ state: "previous", retired_at: epoch(rig.now) });
  });

  it("restores the signing key to a JWKS that lost it", async () => {
    const rig = await rigFor();
    const current = await rig.keyAt("AWSCURRENT");
    await rig.putValue(rig.jwksArn, '{"keys":[]}');
    await rig.rotate();
    expect(await states(rig)).toMatchObject({ [current.kid]: "previous" });
    expect(rig.lines.find((l) => l.step === "setSecret" && Array.isArray(l.repaired) && l.repaired.length > 0)).toMatchObject({ repaired: [current.kid] });
  });
});

describeWithMoto("bad events and broken state", () => {
  const cases: [string, (rig: MotoRotationRig, version: string) => unknown, string, RegExp][] = [
    ["a non-object", () => "createSecret", "bad-event", /event is "createSecret", not an object/],
    ["an unknown step", (rig, version) => ({ Step: "deleteSecret", SecretId: rig.privateKeyArn, ClientRequestToken: version }), "bad-event", /Step is "deleteSecret"; expected one of createSecret/],
    ["a missing step", (rig, version) => ({ SecretId: rig.privateKeyArn, ClientRequestToken: version }), "bad-event", /Step is missing/],
    ["another secret", (rig, version) => ({ Step: "createSecret", SecretId: rig.jwksArn, ClientRequestToken: version }), "wrong-secret", /is not the secret this function rotates/],
    ["a missing token", (rig) => ({ Step: "createSecret", SecretId: rig.privateKeyArn }), "bad-event", /ClientRequestToken is missing/],
    ["a short token", (rig) => ({ Step: "createSecret", SecretId: rig.privateKeyArn, ClientRequestToken: "abc" }), "bad-event", /ClientRequestToken is "abc"/],
    ["an unknown version", (rig) => ({ Step: "createSecret", SecretId: rig.privateKeyArn, ClientRequestToken: randomUUID() }), "version-not-staged", /has no staging label/],
  ];

  it.each(cases)("refuses %s, logs rotation_failed with its code, emits the failure metric and changes nothing", async (_name, event, code, message) => {
    const rig = await rigFor();
    const version = await rig.start();
    const before = await both(rig);
    await expect(rig.handler(event(rig, version))).rejects.toThrow(message);
    expect(failures(rig)).toEqual([expect.objectContaining({ code, level: "error" })]);
    expect(failureMetrics(rig)).toHaveLength(1);
    expect(await both(rig)).toEqual(before);
  });

  it("refuses a version that is AWSPREVIOUS, not the rotation in progress", async () => {
    const rig = await rigFor();
    await rig.rotate();
    expect(await rig.versionWith("AWSPREVIOUS")).toBe(rig.firstVersion);
    await expect(rig.step("setSecret", rig.firstVersion)).rejects.toThrow(/is AWSPREVIOUS, not AWSPENDING/);
  });

  it("refuses a version that has lost every label (moto lists it with none)", async () => {
    const rig = await rigFor();
    await rig.rotate();
    await rig.rotate();
    expect((await rig.snapshot(rig.privateKeyArn))[rig.firstVersion]?.stages).toEqual([]);
    await expect(rig.step("setSecret", rig.firstVersion)).rejects.toThrow(/is unlabelled, not AWSPENDING/);
    expect(failures(rig)).toEqual([expect.objectContaining({ code: "version-not-staged" })]);
  });

  it("refuses when rotation has been turned off on the secret (CancelRotateSecret)", async () => {
    const rig = await rigFor();
    const version = await rig.start();
    await rig.disableRotation();
    await expect(rig.step("createSecret", version)).rejects.toThrow(/rotation is not enabled on arn:aws:secretsmanager:/);
    expect(failures(rig)).toEqual([expect.objectContaining({ code: "rotation-disabled" })]);
    expect(await rig.valueAt(rig.privateKeyArn, "AWSPENDING")).toBeUndefined();
  });

  it("does nothing for a version that is already AWSCURRENT", async () => {
    const rig = await rigFor();
    const version = await rig.rotate();
    const before = await both(rig);
    await rig.step("setSecret", version);
    expect(rig.lines.at(-1)).toMatchObject({ event: "rotation_step", step: "setSecret", result: "skipped" });
    expect(await both(rig)).toEqual(before);
  });

  it("skips testSecret on an empty AWSPENDING version without touching any key", async () => {
    const rig = await rigFor();
    const version = await rig.start();
    const before = await both(rig);
    await rig.step("testSecret", version);
    expect(rig.lines.at(-1)).toMatchObject({ event: "rotation_step", step: "testSecret", result: "skipped" });
    expect(await both(rig)).toEqual(before);
  });

  it("accepts the snake_case step names of the AWS user guide", async () => {
    const rig = await rigFor();
    const version = await rig.start();
    for (const step of ["create_secret", "set_secret", "test_secret", "finish_secret"]) await rig.step(step, version);
    expect(await rig.versionWith("AWSCURRENT")).toBe(version);
  });

  it("refuses to run steps out of order", async () => {
    const rig = await rigFor();
    const version = await rig.start();
    await expect(rig.step("setSecret", version)).rejects.toThrow(/holds no key; createSecret must succeed first/);
    await expect(rig.step("finishSecret", version)).rejects.toThrow(/holds no key; createSecret must succeed first/);
    await rig.step("createSecret", version);
    await expect(rig.step("testSecret", version)).rejects.toThrow(/is not in the JWKS secret; setSecret must succeed first/);
    await expect(rig.step("finishSecret", version)).rejects.toThrow(/setSecret and testSecret must succeed before finishSecret/);
    expect(await rig.versionWith("AWSCURRENT")).toBe(rig.firstVersion);
    expect(failures(rig).map((l) => l.code)).toEqual(["pending-key-missing", "pending-key-missing", "test-failed", "test-failed"]);
  });

  it("refuses a pending version that does not hold a private key, without echoing its value", async () => {
    const rig = await rigFor();
    await rig.start();
    // A value written by hand under AWSPENDING (the label moves to it from RotateSecret's empty version).
    const version = randomUUID();
    await rig.putValue(rig.privateKeyArn, '{"kty":"oct","k":"c2VjcmV0LXZhbHVl"}', { versionId: version, stages: ["AWSPENDING"] });
    expect(await rig.versionWith("AWSPENDING")).toBe(version);
    await expect(rig.step("createSecret", version)).rejects.toThrow(/has no private member "d"/);
    expect(failures(rig)).toEqual([expect.objectContaining({ code: "bad-private-key" })]);
    expect(rig.raw()).not.toContain("c2VjcmV0LXZhbHVl");
  });

  it("refuses a JWKS secret that is not a JWKS, naming the secret", async () => {
    const rig = await rigFor();
    await rig.putValue(rig.jwksArn, '{"keys":[{"kid":"x","alg":"HS256"}]}');
    await expect(rig.rotate()).rejects.toThrow(/JWKS secret .*signing\/jwks.*has alg "HS256"/);
    expect(failures(rig)).toEqual([expect.objectContaining({ step: "setSecret", code: "bad-jwks" })]);
  });
});

describeWithMoto("logs", () => {
  it("never contain key material", async () => {
    const rig = await rigFor();
    const keys = [];
    for (let i = 0; i < 3; i += 1) {
      await rig.rotate();
      keys.push(await rig.keyAt("AWSCURRENT"));
      rig.advance(60);
    }
    const output = rig.raw();
    expect(output).toContain('"event":"rotation_step"');
    for (const key of keys) expect(output).not.toContain(key.d);
    expect(output).not.toMatch(/"d":/);
  });
});

describeWithMoto("overlap property", () => {
  it("every token signed by the key that was AWSCURRENT verifies until it expires, whatever the rotation schedule", async () => {
    const lifetime = 3600;
    const skew = 30;
    const schedule = fc.array(
      fc.record({
        // Boundary waits (a rotation exactly at the end of an overlap) as often as arbitrary ones.
        wait: fc.oneof(fc.constantFrom(0, lifetime + skew - 1, lifetime + skew), fc.integer({ min: 0, max: 2 * (lifetime + skew) })),
        ttl: fc.oneof(fc.constant(lifetime), fc.integer({ min: 1, max: lifetime })),
        rotate: fc.boolean(),
      }),
      { minLength: 1, maxLength: 8 },
    );
    await fc.assert(
      fc.asyncProperty(schedule, async (events) => {
        const rig = await rigFor({ RAJEE_MAX_TOKEN_LIFETIME_SECONDS: String(lifetime), RAJEE_CLOCK_SKEW_SECONDS: String(skew) });
        const tokens: { token: string; exp: number }[] = [];
        for (const event of events) {
          rig.advance(event.wait);
          if (event.rotate) await rig.rotate();
          tokens.push({ token: await rig.mint(await rig.keyAt("AWSCURRENT"), event.ttl), exp: epoch(rig.now) + event.ttl });
          for (const { token, exp } of tokens) {
            const result = await rig.verify(token);
            // jose refuses once exp <= now - skew; until then the key must still be published.
            if (exp > epoch(rig.now) - skew) expect(result).toMatchObject({ ok: true });
            else expect(["expired", "unknown-kid"]).toContain(result.ok ? "ok" : result.reason);
          }
        }
        // At most the signing key plus the keys retired within one overlap stay published.
        expect((await rig.jwks()).keys.length).toBeLessThanOrEqual(1 + events.filter((e) => e.rotate).length);
      }),
      { numRuns: LONG_TESTS ? 40 : 8 },
    );
  });
});
