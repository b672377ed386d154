import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { GetSecretValueCommand, ResourceNotFoundException, SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { mockClient } from "aws-sdk-client-mock";
import { denyListFingerprint, parseDenyList } from "../../../handlers/authorizer/deny-list";
import { fileSource, secretSource, sourceFor } from "../../../handlers/authorizer/text-source";
import { Authorizer } from "../../../handlers/authorizer/service";
import { parseConfig } from "../../../handlers/authorizer/config";
import { createLogger } from "../../../handlers/authorizer/logger";
import { keyPair } from "./support";
import { TempDirs } from "../../support/temp";

const ARN = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:rajee/jwks-AbCdEf";
const temp = new TempDirs();
afterAll(() => temp.removeAll());

describe("file source", () => {
  it("reads the file each time and names the path when it is missing", async () => {
    const dir = temp.make("src");
    const path = join(dir, "jwks.json");
    writeFileSync(path, '{"keys":[]}');
    const source = sourceFor({ kind: "file", path });
    expect(source.description).toBe(`file ${path}`);
    expect(await source.read()).toBe('{"keys":[]}');
    writeFileSync(path, '{"keys":[1]}');
    expect(await source.read()).toBe('{"keys":[1]}');
    await expect(fileSource(join(dir, "nope.json")).read()).rejects.toThrow(`file ${join(dir, "nope.json")}: no such file`);
  });
});

describe("Secrets Manager source", () => {
  const sm = mockClient(SecretsManagerClient);
  afterEach(() => sm.reset());

  it("reads the secret's current string by ARN", async () => {
    sm.on(GetSecretValueCommand, { SecretId: ARN }).resolves({ SecretString: '{"keys":[]}' });
    const source = secretSource(ARN, new SecretsManagerClient({ region: "eu-west-1" }));
    expect(await source.read()).toBe('{"keys":[]}');
    expect(sm.commandCalls(GetSecretValueCommand)[0]?.args[0].input).toEqual({ SecretId: ARN });
  });

  it("names the secret and the AWS error when the call fails", async () => {
    sm.on(GetSecretValueCommand).rejects(new ResourceNotFoundException({ message: "Secrets Manager can't find the specified secret.", $metadata: {} }));
    await expect(secretSource(ARN, new SecretsManagerClient({ region: "eu-west-1" })).read()).rejects.toThrow(
      `secret ${ARN}: GetSecretValue failed (ResourceNotFoundException: Secrets Manager can't find the specified secret.)`,
    );
  });

  it("refuses a binary secret", async () => {
    sm.on(GetSecretValueCommand).resolves({ SecretBinary: new Uint8Array([1]) });
    await expect(secretSource(ARN, new SecretsManagerClient({ region: "eu-west-1" })).read()).rejects.toThrow(
      `secret ${ARN}: has no SecretString; store the document as a JSON string`,
    );
  });

  it("feeds the authorizer's keyring through the real client", async () => {
    const pair = await keyPair();
    sm.on(GetSecretValueCommand).resolves({ SecretString: JSON.stringify({ keys: [{ ...pair.publicKey, state: "current" }] }) });
    const authorizer = new Authorizer({
      config: parseConfig({ RAJEE_JWKS_SECRET_ARN: ARN }),
      keySource: sourceFor({ kind: "secret", arn: ARN }),
      logger: createLogger("silent"),
    });
    expect(await authorizer.keys.refresh("start")).toEqual({ ok: true, changed: false });
    expect([...(authorizer.keys.value?.keys.keys() ?? [])]).toEqual([pair.publicKey.kid]);
  });
});

describe("parseDenyList", () => {
  it("reads jtis and subs, either optional", () => {
    const list = parseDenyList('{"jtis": ["a", "b"]}', "src");
    expect([...list.jtis]).toEqual(["a", "b"]);
    expect(list.subs.size).toBe(0);
  });

  it.each([
    ["[]", 'src: deny list must be an object {"jtis": [...], "subs": [...]}'],
    ["{", "src: deny list is not valid JSON"],
    ['{"jti": ["a"]}', 'src: deny list has unknown member(s) jti; only "jtis" and "subs" are read'],
    ['{"jtis": [""]}', 'src: "jtis" must be an array of non-empty strings'],
  ])("refuses %s rather than reading it as nothing revoked", (text, message) => {
    expect(() => parseDenyList(text, "src")).toThrow(message);
  });

  it("fingerprints the set, not the order", () => {
    expect(denyListFingerprint(parseDenyList('{"jtis": ["a", "b"]}', "s"))).toBe(denyListFingerprint(parseDenyList('{"jtis": ["b", "a", "a"]}', "s")));
    expect(denyListFingerprint(parseDenyList('{"jtis": ["a"]}', "s"))).not.toBe(denyListFingerprint(parseDenyList('{"subs": ["a"]}', "s")));
  });
});
