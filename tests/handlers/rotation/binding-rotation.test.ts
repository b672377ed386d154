import { randomUUID } from "node:crypto";
import { CreateSecretCommand, DescribeSecretCommand, GetSecretValueCommand, PutSecretValueCommand, RotateSecretCommand, UpdateSecretVersionStageCommand } from "@aws-sdk/client-secrets-manager";
import { parseBindingKeys } from "../../../handlers/authorizer/client-signature";
import { loadBindingRotationConfig } from "../../../handlers/rotation/binding-config";
import { parseBindingDocument, planBindingRotation, publishedKey } from "../../../handlers/rotation/binding-plan";
import { AWSCURRENT, AWSPENDING } from "../../../handlers/rotation/event";
import { createLogger } from "../../../handlers/rotation/log";
import { createBindingRotationHandler } from "../../../handlers/rotation/rotation-handler";
import { secretsManagerStore } from "../../../handlers/rotation/store";
import { generateBindingKeyPair, openSecret, parseBindingPublicKey, sealSecret, type BindingPrivateKey } from "../../../src/token/binding";
import { motoSetup, startMoto, type Moto } from "../../support/moto";
import { motoFixtures, motoSecretsClient, STEPS, T0 } from "./moto-rig";

/**
 * The binding-key rotation against moto's Secrets Manager: the private document and the public key
 * secret made as modules/binding-keys makes them, the real handler through the real SDK client, and
 * secrets opened with the authorizer's own parser (parseBindingKeys). RotateSecret needs a first
 * version in moto (moto-rig.ts), so the private secret starts with the document the first rotation writes.
 */

const moto = motoSetup();
const describeWithMoto = moto.ok ? describe : describe.skip;
const DAY = 86400;
const LIFETIME = 3600;
const SKEW = 30;
const OVERLAP = LIFETIME + SKEW;
const PUBLISH_AFTER = 7200;

let aws: Moto;
if (moto.ok) {
  beforeAll(async () => {
    aws = await startMoto();
  });
  afterAll(() => aws.stop());
}

async function bindingRig() {
  const { kmsKeyArn, rotationLambdaArn } = await motoFixtures(aws.url);
  const sm = motoSecretsClient(aws.url);
  const prefix = `rajee-test-${randomUUID().slice(0, 8)}`;
  let now = new Date(T0);
  const epoch = () => Math.floor(now.getTime() / 1000);
  const first = planBindingRotation(undefined, (await generateBindingKeyPair()).privateKey, { now: epoch(), overlapSeconds: OVERLAP, publishAfterSeconds: PUBLISH_AFTER });
  const privateArn = (await sm.send(new CreateSecretCommand({ Name: `${prefix}/binding/private-keys`, KmsKeyId: kmsKeyArn, SecretString: JSON.stringify(first.document) }))).ARN as string;
  const publicArn = (await sm.send(new CreateSecretCommand({ Name: `${prefix}/binding/public-key`, KmsKeyId: kmsKeyArn }))).ARN as string;
  await sm.send(new PutSecretValueCommand({ SecretId: publicArn, SecretString: JSON.stringify(publicOf(first.document.keys[0] as BindingPrivateKey)) }));
  const config = loadBindingRotationConfig({
    RAJEE_BINDING_KEYS_SECRET_ARN: privateArn,
    RAJEE_BINDING_PUBLIC_KEY_SECRET_ARN: publicArn,
    RAJEE_BINDING_PUBLISH_AFTER_SECONDS: String(PUBLISH_AFTER),
    RAJEE_MAX_TOKEN_LIFETIME_SECONDS: String(LIFETIME),
    RAJEE_CLOCK_SKEW_SECONDS: String(SKEW),
  });
  const faults: { operation: string; secretId: string }[] = [];
  const client = motoSecretsClient(aws.url);
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const operation = context.commandName?.replace(/Command$/, "");
      const secretId = (args.input as { SecretId?: string }).SecretId;
      const index = faults.findIndex((f) => f.operation === operation && f.secretId === secretId);
      if (index >= 0) {
        faults.splice(index, 1);
        throw new Error(`injected fault before ${operation}`);
      }
      return next(args);
    },
    { step: "initialize", name: "bindingRotationFaults" },
  );
  let output = "";
  const handler = createBindingRotationHandler({
    config,
    store: secretsManagerStore(client),
    logger: createLogger("info", { write: (text: string) => void (output += text) }),
    emitMetric: (line) => void (output += `${line}\n`),
    now: () => now,
  });
  const value = async (secretId: string, stage = AWSCURRENT) => (await sm.send(new GetSecretValueCommand({ SecretId: secretId, VersionStage: stage }))).SecretString as string;
  const start = async () => {
    const versions = (await sm.send(new DescribeSecretCommand({ SecretId: privateArn }))).VersionIdsToStages ?? {};
    const finished = Object.entries(versions).find(([, stages]) => stages.includes(AWSPENDING) && stages.includes(AWSCURRENT))?.[0];
    if (finished) await sm.send(new UpdateSecretVersionStageCommand({ SecretId: privateArn, VersionStage: AWSPENDING, RemoveFromVersionId: finished }));
    return (await sm.send(new RotateSecretCommand({ SecretId: privateArn, RotationLambdaARN: rotationLambdaArn, RotationRules: { AutomaticallyAfterDays: 30 } }))).VersionId as string;
  };
  const step = (name: string, version: string) => handler({ Step: name, SecretId: privateArn, ClientRequestToken: version });
  return {
    privateArn,
    publicArn,
    faults,
    raw: () => output,
    advance(seconds: number) {
      now = new Date(now.getTime() + seconds * 1000);
    },
    start,
    step,
    async rotate() {
      const version = await start();
      for (const name of STEPS) await step(name, version);
      return version;
    },
    /** A secret sealed, as the issuer seals it, to the key the public secret holds now. */
    async seal() {
      const key = parseBindingPublicKey(JSON.parse(await value(publicArn)), "public secret");
      return { kid: key.kid, jwe: await sealSecret({ accessKeyId: "AKIAEXAMPLE", secretAccessKey: `secret-${key.kid}` }, key) };
    },
    /** Whether the authorizers, reading the private secret's AWSCURRENT as they do, open it. */
    async opens(sealed: { kid: string; jwe: string }) {
      const keyring = await parseBindingKeys(await value(privateArn), "binding keys");
      const key = keyring.keys.get(sealed.kid);
      if (!key) return false;
      return (await openSecret(sealed.jwe, key)).secretAccessKey === `secret-${sealed.kid}`;
    },
    document: async (stage = AWSCURRENT) => parseBindingDocument(await value(privateArn, stage), "private secret"),
    publicKid: async () => (JSON.parse(await value(publicArn)) as { kid: string }).kid,
  };
}

function publicOf(key: { kty: string; crv: string; x: string; y: string; kid: string; alg: string; use: string }) {
  return { kty: key.kty, crv: key.crv, x: key.x, y: key.y, kid: key.kid, alg: key.alg, use: key.use };
}

describeWithMoto("binding-key rotation on moto", () => {
  it("adds a new key to the private document first and publishes it only at the next rotation, once the authorizers have had it for the publish delay", async () => {
    const rig = await bindingRig();
    const firstKid = await rig.publicKid();
    rig.advance(30 * DAY);
    await rig.rotate();
    const afterOne = await rig.document();
    expect(afterOne.keys).toHaveLength(2);
    const next = afterOne.keys[0]?.kid as string;
    expect(next).not.toBe(firstKid);
    expect(afterOne.keys[0]?.published_at).toBeUndefined();
    expect(await rig.publicKid()).toBe(firstKid);
    expect(publishedKey(afterOne)?.kid).toBe(firstKid);

    rig.advance(30 * DAY);
    await rig.rotate();
    expect(await rig.publicKid()).toBe(next);
    const afterTwo = await rig.document();
    expect(afterTwo.keys.map((k) => k.kid)).toEqual([afterTwo.keys[0]?.kid, next, firstKid]);
    expect(afterTwo.keys.find((k) => k.kid === firstKid)?.retired_at).toBe(Math.floor(T0.getTime() / 1000) + 60 * DAY);
    expect(await rig.opens(await rig.seal())).toBe(true);
    // The public secret never holds a private member, and no log line carries key material.
    expect(await rig.publicKid()).toBe(next);
    for (const key of afterTwo.keys) expect(rig.raw()).not.toContain(key.d);
  });

  it("keeps opening a token bound to the replaced key until lifetime + skew after its replacement, and not after", async () => {
    const rig = await bindingRig();
    rig.advance(30 * DAY);
    await rig.rotate();
    rig.advance(30 * DAY);
    const boundToOld = await rig.seal();
    await rig.rotate();
    expect(await rig.publicKid()).not.toBe(boundToOld.kid);
    expect(await rig.opens(boundToOld)).toBe(true);

    rig.advance(OVERLAP - 1);
    await rig.rotate();
    expect(await rig.opens(boundToOld)).toBe(true);

    rig.advance(1);
    await rig.rotate();
    expect(await rig.opens(boundToOld)).toBe(false);
    expect((await rig.document()).keys.some((k) => k.kid === boundToOld.kid)).toBe(false);
  });

  it("does not publish a key the authorizers may not have loaded yet, however soon rotations follow each other", async () => {
    const rig = await bindingRig();
    const firstKid = await rig.publicKid();
    await rig.rotate();
    rig.advance(PUBLISH_AFTER - 1);
    await rig.rotate();
    expect(await rig.publicKid()).toBe(firstKid);
    rig.advance(1);
    await rig.rotate();
    const published = await rig.publicKid();
    expect(published).not.toBe(firstKid);
    const document = await rig.document();
    expect(document.keys.find((k) => k.kid === published)?.created_at).toBe(Math.floor(T0.getTime() / 1000));
  });

  it("leaves the previous document and public key usable when a step fails, and finishes on the retry", async () => {
    const rig = await bindingRig();
    rig.advance(30 * DAY);
    await rig.rotate();
    rig.advance(30 * DAY);
    const before = await rig.seal();
    const previous = await rig.document();

    // finishSecret fails before the label moves: nothing changes for the authorizers or the issuer.
    const version = await rig.start();
    for (const name of STEPS.slice(0, 3)) await rig.step(name, version);
    rig.faults.push({ operation: "UpdateSecretVersionStage", secretId: rig.privateArn });
    await expect(rig.step("finishSecret", version)).rejects.toThrow(/injected fault/);
    expect(await rig.document()).toEqual(previous);
    expect(await rig.publicKid()).toBe(before.kid);
    expect(await rig.opens(before)).toBe(true);
    expect(rig.raw()).toContain('"event":"rotation_failed"');

    // It fails again after the label moved but before the public key is written: the issuer keeps the
    // old key, which the new document still holds, so its tokens keep opening.
    rig.faults.push({ operation: "PutSecretValue", secretId: rig.publicArn });
    await expect(rig.step("finishSecret", version)).rejects.toThrow(/injected fault/);
    expect(await rig.publicKid()).toBe(before.kid);
    expect(await rig.opens(before)).toBe(true);
    expect(await rig.opens(await rig.seal())).toBe(true);

    await rig.step("finishSecret", version);
    const after = await rig.seal();
    expect(after.kid).not.toBe(before.kid);
    expect(await rig.opens(after)).toBe(true);
    expect(await rig.opens(before)).toBe(true);
  });

  it("refuses a pending document that would drop a key tokens are still bound to", async () => {
    const rig = await bindingRig();
    const bound = await rig.seal();
    const version = await rig.start();
    const other = planBindingRotation(undefined, (await generateBindingKeyPair()).privateKey, { now: 0, overlapSeconds: OVERLAP, publishAfterSeconds: PUBLISH_AFTER });
    await motoSecretsClient(aws.url).send(new PutSecretValueCommand({ SecretId: rig.privateArn, ClientRequestToken: version, SecretString: JSON.stringify(other.document), VersionStages: [AWSPENDING] }));
    await expect(rig.step("testSecret", version)).rejects.toThrow(new RegExp(`binding key\\(s\\) ${bound.kid} would leave`));
    expect(await rig.opens(bound)).toBe(true);
  });
});
