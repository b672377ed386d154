import { readFileSync } from "node:fs";
import { join } from "node:path";
import { SETTINGS } from "../../../handlers/authorizer/config";
import { jwksText, keyPair, MemorySource, mint, startHarness } from "./support";

const docs = readFileSync(join(__dirname, "../../../docs/authorizer.md"), "utf8");

describe("docs/authorizer.md", () => {
  it("documents every configuration variable", () => {
    for (const { env } of SETTINGS) expect(docs).toContain(`| \`${env}\` |`);
  });

  it("documents every Prometheus metric and every decision log field the service emits", async () => {
    const pair = await keyPair();
    const harness = await startHarness({ keySource: new MemorySource(jwksText(pair.publicKey)), denyListSource: new MemorySource("{}") });
    try {
      await harness.check({ path: "/data/a", headers: { "x-amz-security-token": await mint(pair, ["read:data/"]) } });
      await harness.check({ path: "/data/a", headers: { "x-amz-security-token": await mint(pair, ["read:other/"]) } });
      const metrics = [...(await harness.admin("/metrics")).body.matchAll(/^# TYPE (\S+) /gm)].map((m) => m[1] as string);
      expect(metrics.length).toBeGreaterThanOrEqual(11);
      for (const name of metrics) expect(docs).toContain(`\`${name}\``);
      const fields = new Set(harness.logs.filter((l) => l.event === "decision").flatMap((l) => Object.keys(l)));
      for (const field of ["level", "time", "service", "event"]) fields.delete(field);
      for (const field of fields) expect(docs).toMatch(new RegExp(`\`${field}\``));
    } finally {
      await harness.close();
    }
  });
});
