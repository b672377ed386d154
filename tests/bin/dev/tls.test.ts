import { X509Certificate } from "node:crypto";
import { readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { certificateProblem, keptCertificate, LOCAL_CA_FILE, LOCAL_KEY_FILE } from "../../../bin/dev/tls";
import { TempDirs } from "../../support/temp";

const dirs = new TempDirs();
afterAll(() => dirs.removeAll());

describe("the local gateway's certificate", () => {
  it("is made once, kept in the folder (key readable by the owner only) and reused on the next start", async () => {
    const dir = dirs.make("tls");
    const first = await keptCertificate(dir, "rajee.localhost");
    expect(first.renewed).toBeUndefined();
    expect(first.caFile).toBe(join(dir, LOCAL_CA_FILE));
    expect(readFileSync(first.caFile, "utf8")).toBe(first.cert);
    expect(statSync(join(dir, LOCAL_KEY_FILE)).mode & 0o777).toBe(0o600);
    const names = new X509Certificate(first.cert).subjectAltName?.split(", ");
    expect(names).toEqual(expect.arrayContaining(["DNS:localhost", "DNS:rajee.localhost", "DNS:*.rajee.localhost", "IP Address:127.0.0.1"]));

    const second = await keptCertificate(dir, "rajee.localhost");
    expect(second.cert).toBe(first.cert);
    expect(second.key).toBe(first.key);
    expect(second.renewed).toBeUndefined();
  }, 30_000);

  it("is replaced, saying why, when it does not cover a new --domain", async () => {
    const dir = dirs.make("tls");
    const first = await keptCertificate(dir, "rajee.localhost");
    const second = await keptCertificate(dir, "s3.local.test");
    expect(second.cert).not.toBe(first.cert);
    expect(second.renewed).toMatch(/does not cover DNS:s3\.local\.test, DNS:\*\.s3\.local\.test/);
  }, 30_000);

  it("is not reused within a week of its end, nor with a key that is not its own", async () => {
    const dir = dirs.make("tls");
    const a = await keptCertificate(dir, "rajee.localhost");
    expect(certificateProblem(a, "rajee.localhost")).toBeUndefined();
    expect(certificateProblem(a, "rajee.localhost", Date.now() + 85 * 24 * 3600 * 1000)).toMatch(/^it ends /);
    const b = await keptCertificate(dirs.make("tls"), "rajee.localhost");
    expect(certificateProblem({ key: b.key, cert: a.cert }, "rajee.localhost")).toBe("the key does not match it");
    expect(certificateProblem({ key: "nonsense", cert: a.cert }, "rajee.localhost")).toBe("its key cannot be read");
    expect(certificateProblem({ key: a.key, cert: "nonsense" }, "rajee.localhost")).toBe("it cannot be read");
  }, 30_000);
});
