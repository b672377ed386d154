import { randomUUID } from "node:crypto";
import { PutSecretValueCommand } from "@aws-sdk/client-secrets-manager";
import fc from "fast-check";
import type { RotatedKey } from "../../../src/keys/jwks-plan";
import { rotationRig, STEPS, T0, type RotationRig } from "./harness";

const epoch = (date: Date) => Math.floor(date.getTime() / 1000);

let rig: RotationRig;
afterEach(() => rig.restore());

function states(r: RotationRig): Record<string, string | undefined> {
  return Object.fromEntries(r.jwks().keys.map((k) => [k.kid, k.state]));
}

function failures(r: RotationRig) {
  return r.lines.filter((l) => l.event === "rotation_failed");
}

function failureMetrics(r: RotationRig) {
  return r.lines.filter((l) => l.RotationFailures === 1);
}

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

describe("a full rotation", () => {
  it("publishes the pending key before it signs, then promotes it and retires the old key with its retirement time", async () => {
    rig = rotationRig();
    await rig.rotate();
    const old = rig.keyAt("AWSCURRENT");
    const oldVersion = rig.model.versionWith(rig.privateKeyArn, "AWSCURRENT");
    rig.advance(3600);
    const version = rig.start();

    await rig.step("createSecret", version);
    const pending = rig.keyAt("AWSPENDING");
    expect(pending.kid).not.toBe(old.kid);
    expect(states(rig)).toEqual({ [old.kid]: "current" });

    await rig.step("setSecret", version);
    expect(states(rig)).toEqual({ [old.kid]: "current", [pending.kid]: "pending" });
    expect(rig.keyAt("AWSCURRENT").kid).toBe(old.kid);
    // New tokens verify as soon as the key is published, before it becomes AWSCURRENT.
    expect(await rig.verify(await rig.mint(pending, 900))).toMatchObject({ ok: true });

    const beforeTest = rig.model.snapshot(rig.jwksArn);
    await rig.step("testSecret", version);
    expect(rig.model.snapshot(rig.jwksArn)).toEqual(beforeTest);

    rig.advance(5);
    await rig.step("finishSecret", version);
    expect(rig.model.versionWith(rig.privateKeyArn, "AWSCURRENT")).toBe(version);
    expect(rig.model.versionWith(rig.privateKeyArn, "AWSPREVIOUS")).toBe(oldVersion);
    expect(rig.keyAt("AWSCURRENT").kid).toBe(pending.kid);
    const byKid = new Map(rig.jwks().keys.map((k) => [k.kid, k as RotatedKey]));
    expect(byKid.get(pending.kid)).toMatchObject({ state: "current", created_at: epoch(T0) + 3600 });
    expect(byKid.get(pending.kid)?.retired_at).toBeUndefined();
    expect(byKid.get(old.kid)).toMatchObject({ state: "previous", retired_at: epoch(T0) + 3605 });
    expect(failures(rig)).toEqual([]);
  });

  it("logs one line per step with the kid, and a RotationsCompleted metric when it finishes", async () => {
    rig = rotationRig();
    const version = await rig.rotate();
    const kid = rig.keyAt("AWSCURRENT").kid;
    const steps = rig.lines.filter((l) => l.event === "rotation_step");
    expect(steps.map((l) => [l.step, l.result, l.kid, l.version])).toEqual(STEPS.map((s) => [s, "done", kid, version]));
    expect(rig.lines.filter((l) => l.RotationsCompleted === 1)).toHaveLength(1);
  });
});

describe("retries", () => {
  it.each(STEPS)("running %s twice leaves the same state as running it once", async (repeated) => {
    rig = rotationRig();
    await rig.rotate();
    const version = rig.start();
    for (const step of STEPS) {
      await rig.step(step, version);
      if (step !== repeated) continue;
      const before = { keys: rig.model.snapshot(rig.privateKeyArn), jwks: rig.model.snapshot(rig.jwksArn) };
      rig.advance(30);
      await rig.step(step, version);
      expect({ keys: rig.model.snapshot(rig.privateKeyArn), jwks: rig.model.snapshot(rig.jwksArn) }).toEqual(before);
    }
    expect(rig.model.versionWith(rig.privateKeyArn, "AWSCURRENT")).toBe(version);
    expect(failures(rig)).toEqual([]);
  });

  it("resumes after a crash between steps with the same pending key", async () => {
    rig = rotationRig();
    await rig.rotate();
    const old = rig.keyAt("AWSCURRENT");
    const version = rig.start();
    await rig.step("createSecret", version);
    await rig.step("setSecret", version);
    const pending = rig.keyAt("AWSPENDING");
    // The function died here; Secrets Manager invokes the steps again from the start.
    rig.advance(600);
    for (const step of STEPS) await rig.step(step, version);
    expect(rig.keyAt("AWSCURRENT").kid).toBe(pending.kid);
    expect(states(rig)).toEqual({ [old.kid]: "previous", [pending.kid]: "current" });
    expect(rig.jwks().keys).toHaveLength(2);
  });

  it("repairs the JWKS when finishSecret crashed after moving AWSCURRENT, and tokens of both keys verify meanwhile", async () => {
    rig = rotationRig();
    await rig.rotate();
    const old = rig.keyAt("AWSCURRENT");
    const oldToken = await rig.mint(old, 3600);
    const version = rig.start();
    for (const step of ["createSecret", "setSecret", "testSecret"]) await rig.step(step, version);
    rig.model.faults.push({ operation: "PutSecretValue", secretId: rig.jwksArn });
    rig.advance(10);
    await expect(rig.step("finishSecret", version)).rejects.toThrow("injected fault in PutSecretValue");
    expect(failures(rig)).toEqual([expect.objectContaining({ step: "finishSecret", version, code: "aws", error: { name: "InternalServiceError", message: "injected fault in PutSecretValue" } })]);
    expect(failureMetrics(rig)).toHaveLength(1);

    const fresh = rig.keyAt("AWSCURRENT");
    expect(fresh.kid).not.toBe(old.kid);
    expect(states(rig)).toEqual({ [old.kid]: "current", [fresh.kid]: "pending" });
    expect(await rig.verify(oldToken)).toMatchObject({ ok: true });
    expect(await rig.verify(await rig.mint(fresh, 3600))).toMatchObject({ ok: true });

    rig.advance(60);
    await rig.step("finishSecret", version);
    expect(states(rig)).toEqual({ [old.kid]: "previous", [fresh.kid]: "current" });
    expect((rig.jwks().keys.find((k) => k.kid === old.kid) as RotatedKey).retired_at).toBe(epoch(rig.now));
  });

  it("keeps the key a concurrent createSecret stored first", async () => {
    rig = rotationRig();
    const version = rig.start();
    await Promise.all([rig.step("createSecret", version), rig.step("createSecret", version)]);
    const kids = rig.lines.filter((l) => l.event === "rotation_step").map((l) => l.kid);
    expect(kids).toEqual([rig.keyAt("AWSPENDING").kid, rig.keyAt("AWSPENDING").kid]);
  });
});

describe("rotations in a row and pruning", () => {
  it("keeps every previous key published through two rotations in a row", async () => {
    rig = rotationRig();
    await rig.rotate();
    const first = rig.keyAt("AWSCURRENT");
    const firstToken = await rig.mint(first, 43200);
    rig.advance(60);
    await rig.rotate();
    const second = rig.keyAt("AWSCURRENT");
    const secondToken = await rig.mint(second, 43200);
    rig.advance(60);
    await rig.rotate();
    const third = rig.keyAt("AWSCURRENT");
    expect(states(rig)).toEqual({ [first.kid]: "previous", [second.kid]: "previous", [third.kid]: "current" });
    for (const token of [firstToken, secondToken, await rig.mint(third, 60)]) expect(await rig.verify(token)).toMatchObject({ ok: true });
    expect(rig.model.versionWith(rig.privateKeyArn, "AWSPREVIOUS")).toBeDefined();
  });

  it("prunes a previous key only once maximum token lifetime plus skew has passed since it retired", async () => {
    rig = rotationRig({ RAJEE_MAX_TOKEN_LIFETIME_SECONDS: "3600", RAJEE_CLOCK_SKEW_SECONDS: "30" });
    await rig.rotate();
    const first = rig.keyAt("AWSCURRENT");
    rig.advance(100);
    await rig.rotate(); // first retires now
    const retiredAt = epoch(rig.now);
    rig.advance(3630 - 1);
    await rig.rotate();
    expect(rig.jwks().keys.map((k) => k.kid)).toContain(first.kid);
    rig.advance(1);
    expect(epoch(rig.now)).toBe(retiredAt + 3630);
    await rig.rotate();
    expect(rig.jwks().keys.map((k) => k.kid)).not.toContain(first.kid);
    expect(rig.jwks().keys).toHaveLength(3);
    const setLines = rig.lines.filter((l) => l.event === "rotation_step" && l.step === "setSecret");
    expect(setLines.at(-1)).toMatchObject({ pruned: [first.kid] });
  });

  it("keeps tokens signed by a retired key verifying until they expire, then they are refused as expired", async () => {
    rig = rotationRig();
    await rig.rotate();
    const old = rig.keyAt("AWSCURRENT");
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

describe("repairs", () => {
  it("marks the AWSCURRENT key current again after a manual rollback, so pruning never drops the signing key", async () => {
    rig = rotationRig({ RAJEE_MAX_TOKEN_LIFETIME_SECONDS: "600" });
    await rig.rotate();
    const first = rig.keyAt("AWSCURRENT");
    const firstVersion = rig.model.versionWith(rig.privateKeyArn, "AWSCURRENT") as string;
    await rig.rotate();
    const secondVersion = rig.model.versionWith(rig.privateKeyArn, "AWSCURRENT") as string;
    // Break-glass rollback: AWSCURRENT back to the first key.
    rig.model.updateSecretVersionStage({ SecretId: rig.privateKeyArn, VersionStage: "AWSCURRENT", MoveToVersionId: firstVersion, RemoveFromVersionId: secondVersion });
    // Without this the service refuses the next rotation ("a previous rotation isn't complete").
    rig.model.updateSecretVersionStage({ SecretId: rig.privateKeyArn, VersionStage: "AWSPENDING", RemoveFromVersionId: secondVersion });
    rig.advance(7200);
    const version = rig.start();
    await rig.step("createSecret", version);
    await rig.step("setSecret", version);
    const jwks = rig.jwks();
    expect(jwks.keys.find((k) => k.kid === first.kid)).toMatchObject({ state: "current" });
    expect(jwks.keys.find((k) => k.kid === first.kid)?.retired_at).toBeUndefined();
    expect(rig.lines.at(-1)).toMatchObject({ step: "setSecret", repaired: [first.kid] });
  });

  it("retires, rather than drops, the key of an abandoned rotation", async () => {
    rig = rotationRig();
    await rig.rotate();
    const abandoned = rig.start();
    await rig.step("createSecret", abandoned);
    await rig.step("setSecret", abandoned);
    const orphan = rig.keyAt("AWSPENDING");
    // The operator clears the stuck rotation (runbook), then starts a new one.
    rig.model.updateSecretVersionStage({ SecretId: rig.privateKeyArn, VersionStage: "AWSPENDING", RemoveFromVersionId: abandoned });
    rig.advance(300);
    await rig.rotate();
    expect(rig.jwks().keys.find((k) => k.kid === orphan.kid)).toMatchObject({ state: "previous", retired_at: epoch(rig.now) });
  });

  it("restores the signing key to a JWKS that lost it", async () => {
    rig = rotationRig();
    await rig.rotate();
    const current = rig.keyAt("AWSCURRENT");
    rig.model.putSecretValue({ SecretId: rig.jwksArn, SecretString: '{"keys":[]}' });
    await rig.rotate();
    expect(states(rig)).toMatchObject({ [current.kid]: "previous" });
    expect(rig.lines.find((l) => l.step === "setSecret" && Array.isArray(l.repaired) && l.repaired.length > 0)).toMatchObject({ repaired: [current.kid] });
  });
});

describe("bad events and broken state", () => {
  const good = () => ({ Step: "createSecret", SecretId: rig.privateKeyArn, ClientRequestToken: rig.start() });

  it.each([
    ["a non-object", () => "createSecret", "bad-event", /event is "createSecret", not an object/],
    ["an unknown step", () => ({ ...good(), Step: "deleteSecret" }), "bad-event", /Step is "deleteSecret"; expected one of createSecret/],
    ["a missing step", () => ({ ...good(), Step: undefined }), "bad-event", /Step is missing/],
    ["another secret", () => ({ ...good(), SecretId: rig.jwksArn }), "wrong-secret", /is not the secret this function rotates/],
    ["a missing token", () => ({ ...good(), ClientRequestToken: undefined }), "bad-event", /ClientRequestToken is missing/],
    ["a short token", () => ({ ...good(), ClientRequestToken: "abc" }), "bad-event", /ClientRequestToken is "abc"/],
    ["an unknown version", () => ({ ...good(), ClientRequestToken: randomUUID() }), "version-not-staged", /has no staging label/],
  ])("refuses %s, logs rotation_failed with its code and emits the failure metric", async (_name, event, code, message) => {
    rig = rotationRig();
    await rig.rotate();
    const built = event();
    const before = { keys: rig.model.snapshot(rig.privateKeyArn), jwks: rig.model.snapshot(rig.jwksArn) };
    await expect(rig.handler(built)).rejects.toThrow(message);
    expect(failures(rig)).toEqual([expect.objectContaining({ code, level: "error" })]);
    expect(failureMetrics(rig)).toHaveLength(1);
    expect({ keys: rig.model.snapshot(rig.privateKeyArn), jwks: rig.model.snapshot(rig.jwksArn) }).toEqual(before);
  });

  it("refuses a version that is AWSPREVIOUS, not the rotation in progress", async () => {
    rig = rotationRig();
    await rig.rotate();
    await rig.rotate();
    const previous = rig.model.versionWith(rig.privateKeyArn, "AWSPREVIOUS") as string;
    await expect(rig.step("setSecret", previous)).rejects.toThrow(/is AWSPREVIOUS, not AWSPENDING/);
  });

  it("refuses when rotation is disabled on the secret", async () => {
    rig = rotationRig();
    const version = rig.start();
    rig.model.setRotationEnabled(rig.privateKeyArn, false);
    await expect(rig.step("createSecret", version)).rejects.toThrow(/rotation is not enabled on arn:aws:secretsmanager:/);
    expect(failures(rig)).toEqual([expect.objectContaining({ code: "rotation-disabled" })]);
    expect(rig.model.valueAt(rig.privateKeyArn, "AWSPENDING")).toBeUndefined();
  });

  it("does nothing for a version that is already AWSCURRENT", async () => {
    rig = rotationRig();
    const version = await rig.rotate();
    const before = rig.model.snapshot(rig.jwksArn);
    await rig.step("setSecret", version);
    expect(rig.lines.at(-1)).toMatchObject({ event: "rotation_step", step: "setSecret", result: "skipped" });
    expect(rig.model.snapshot(rig.jwksArn)).toEqual(before);
  });

  it("passes the event's RotationToken to PutSecretValue and never logs it", async () => {
    rig = rotationRig();
    const version = rig.start();
    const rotationToken = "rotation-token-5f1b2c3d4e5f6a7b8c9d";
    await rig.handler({ Step: "createSecret", SecretId: rig.privateKeyArn, ClientRequestToken: version, RotationToken: rotationToken });
    const puts = rig.sm.commandCalls(PutSecretValueCommand).map((call) => call.args[0].input);
    expect(puts).toEqual([expect.objectContaining({ SecretId: rig.privateKeyArn, ClientRequestToken: version, VersionStages: ["AWSPENDING"], RotationToken: rotationToken })]);
    expect(rig.raw()).not.toContain(rotationToken);
  });

  it("passes Secrets Manager's configuration check (testSecret alone on an empty version) without touching any key", async () => {
    rig = rotationRig();
    await rig.rotate();
    const current = { version: rig.model.versionWith(rig.privateKeyArn, "AWSCURRENT"), value: rig.model.valueAt(rig.privateKeyArn, "AWSCURRENT") };
    const jwks = rig.model.snapshot(rig.jwksArn);
    rig.model.rotateSecret({ SecretId: rig.privateKeyArn, RotateImmediately: false });
    expect(await rig.model.lastRotation).toBeUndefined();
    expect(rig.lines.at(-1)).toMatchObject({ event: "rotation_step", step: "testSecret", result: "skipped" });
    expect(failures(rig)).toEqual([]);
    expect({ version: rig.model.versionWith(rig.privateKeyArn, "AWSCURRENT"), value: rig.model.valueAt(rig.privateKeyArn, "AWSCURRENT") }).toEqual(current);
    expect(rig.model.snapshot(rig.jwksArn)).toEqual(jwks);
  });

  it("accepts the snake_case step names of the AWS user guide", async () => {
    rig = rotationRig();
    const version = rig.start();
    for (const step of ["create_secret", "set_secret", "test_secret", "finish_secret"]) await rig.step(step, version);
    expect(rig.model.versionWith(rig.privateKeyArn, "AWSCURRENT")).toBe(version);
  });

  it("refuses to run steps out of order", async () => {
    rig = rotationRig();
    await rig.rotate();
    const version = rig.start();
    await expect(rig.step("setSecret", version)).rejects.toThrow(/holds no key; createSecret must succeed first/);
    await expect(rig.step("finishSecret", version)).rejects.toThrow(/holds no key; createSecret must succeed first/);
    await rig.step("createSecret", version);
    await expect(rig.step("testSecret", version)).rejects.toThrow(/is not in the JWKS secret; setSecret must succeed first/);
    await expect(rig.step("finishSecret", version)).rejects.toThrow(/setSecret and testSecret must succeed before finishSecret/);
    expect(rig.model.versionWith(rig.privateKeyArn, "AWSCURRENT")).not.toBe(version);
    expect(failures(rig).map((l) => l.code)).toEqual(["pending-key-missing", "pending-key-missing", "test-failed", "test-failed"]);
  });

  it("refuses a pending version that does not hold a private key, without echoing its value", async () => {
    rig = rotationRig();
    const version = randomUUID();
    rig.model.putSecretValue({ SecretId: rig.privateKeyArn, ClientRequestToken: version, SecretString: '{"kty":"oct","k":"c2VjcmV0LXZhbHVl"}', VersionStages: ["AWSPENDING"] });
    await expect(rig.step("createSecret", version)).rejects.toThrow(/has no private member "d"/);
    expect(failures(rig)).toEqual([expect.objectContaining({ code: "bad-private-key" })]);
    expect(rig.raw()).not.toContain("c2VjcmV0LXZhbHVl");
  });

  it("refuses a JWKS secret that is not a JWKS, naming the secret", async () => {
    rig = rotationRig();
    await rig.rotate();
    rig.model.putSecretValue({ SecretId: rig.jwksArn, SecretString: '{"keys":[{"kid":"x","alg":"HS256"}]}' });
    await expect(rig.rotate()).rejects.toThrow(/JWKS secret .*rajee\/test\/jwks.*has alg "HS256"/);
    expect(failures(rig)).toEqual([expect.objectContaining({ step: "setSecret", code: "bad-jwks" })]);
  });
});

describe("logs", () => {
  it("never contain key material", async () => {
    rig = rotationRig();
    const keys = [];
    for (let i = 0; i < 3; i += 1) {
      await rig.rotate();
      keys.push(rig.keyAt("AWSCURRENT"));
      rig.advance(60);
    }
    const output = rig.raw();
    expect(output).toContain('"event":"rotation_step"');
    for (const key of keys) expect(output).not.toContain(key.d);
    expect(output).not.toMatch(/"d":/);
  });
});

describe("overlap property", () => {
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
        rig = rotationRig({ RAJEE_MAX_TOKEN_LIFETIME_SECONDS: String(lifetime), RAJEE_CLOCK_SKEW_SECONDS: String(skew) });
        try {
          await rig.rotate();
          const tokens: { token: string; exp: number }[] = [];
          for (const event of events) {
            rig.advance(event.wait);
            if (event.rotate) await rig.rotate();
            tokens.push({ token: await rig.mint(rig.keyAt("AWSCURRENT"), event.ttl), exp: epoch(rig.now) + event.ttl });
            for (const { token, exp } of tokens) {
              const result = await rig.verify(token);
              // jose refuses once exp <= now - skew; until then the key must still be published.
              if (exp > epoch(rig.now) - skew) expect(result).toMatchObject({ ok: true });
              else expect(["expired", "unknown-kid"]).toContain(result.ok ? "ok" : result.reason);
            }
          }
          // At most the signing key plus the keys retired within one overlap stay published.
          expect(rig.jwks().keys.length).toBeLessThanOrEqual(1 + events.filter((e) => e.rotate).length);
        } finally {
          rig.restore();
        }
      }),
      { numRuns: 40 },
    );
    rig = rotationRig();
  });
});
