import { readFile, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { parseBindingKeys } from "../../../handlers/authorizer/client-signature";
import { parseBindingPublicKey } from "../../../src/token/binding";
import { rajee } from "../../support/cli";
import { TempDirs } from "../../support/temp";

const temp = new TempDirs();
afterAll(() => temp.removeAll());

describe("rajee keys binding", () => {
  it("writes a private key document the authorizer loads (mode 0600) and the public key mint takes", async () => {
    const dir = temp.make("binding");
    expect(await rajee(["keys", "binding", "--out", dir])).toMatchObject({ code: 0 });
    const privatePath = join(dir, "binding-keys.json");
    expect((await stat(privatePath)).mode & 0o777).toBe(0o600);
    const keyring = await parseBindingKeys(await readFile(privatePath, "utf8"), privatePath);
    const publicKey = parseBindingPublicKey(JSON.parse(await readFile(join(dir, "binding.public.jwk.json"), "utf8")), "public");
    expect(keyring.kids).toEqual([publicKey.kid]);
  });

  it("rotates with --add, keeping the old keys after the new one, and refuses to overwrite without a flag", async () => {
    const dir = temp.make("binding");
    await rajee(["keys", "binding", "--out", dir]);
    const first = JSON.parse(await readFile(join(dir, "binding.public.jwk.json"), "utf8")).kid as string;
    const refused = await rajee(["keys", "binding", "--out", dir]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/already exist.*--add to rotate, --force to replace/);
    expect(await rajee(["keys", "binding", "--out", dir, "--add"])).toMatchObject({ code: 0 });
    const document = JSON.parse(await readFile(join(dir, "binding-keys.json"), "utf8")) as { keys: { kid: string }[] };
    const second = JSON.parse(await readFile(join(dir, "binding.public.jwk.json"), "utf8")).kid as string;
    expect(document.keys.map((k) => k.kid)).toEqual([second, first]);
    expect(await rajee(["keys", "binding", "--out", dir, "--force"])).toMatchObject({ code: 0 });
    expect((JSON.parse(await readFile(join(dir, "binding-keys.json"), "utf8")) as { keys: unknown[] }).keys).toHaveLength(1);
  });

  it("refuses to rotate a document that holds a public key", async () => {
    const dir = temp.make("binding");
    await rajee(["keys", "binding", "--out", dir]);
    const publicKey = await readFile(join(dir, "binding.public.jwk.json"), "utf8");
    await writeFile(join(dir, "binding-keys.json"), `{"keys": [${publicKey}]}`);
    const run = await rajee(["keys", "binding", "--out", dir, "--add"]);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/keys\[0\].*has no "d"/);
  });
});
