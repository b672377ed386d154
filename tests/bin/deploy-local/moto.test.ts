import { join } from "node:path";
import { motoMissing, startMoto } from "../../../bin/deploy-local/moto";
import { TempDirs } from "../../support/temp";
import { processAlive } from "../../support/processes";

const dirs = new TempDirs();
afterAll(() => dirs.removeAll());


describe("motoMissing", () => {
  it("says how to install moto when moto_server cannot be run, and honours RAJEE_MOTO_SERVER as rajee dev does", () => {
    expect(motoMissing({ PATH: "/nonexistent" })).toBe('moto_server cannot be run (spawnSync moto_server ENOENT); install moto with pip install "moto[server]"');
    expect(motoMissing({ PATH: process.env.PATH, RAJEE_MOTO_SERVER: "/nonexistent/moto_server" })).toMatch(/^\/nonexistent\/moto_server cannot be run .*pip install "moto\[server\]"$/);
  });
});

const missing = motoMissing();
if (missing) console.warn(`SKIPPED moto_server tests: ${missing}`);
const describeMoto = missing ? describe.skip : describe;

describeMoto("startMoto", () => {
  it("serves on 127.0.0.1 as the configured account, reports the configured running tasks, and is gone after stop", async () => {
    const dir = dirs.make("moto");
    const moto = await startMoto({ accountId: "123456789013", ecsRunningTasks: 3, logFile: join(dir, "moto.log") });
    try {
      expect(moto.endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      const res = await fetch(moto.endpoint, {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded", authorization: "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20260101/us-east-1/sts/aws4_request, SignedHeaders=host, Signature=00" },
        body: "Action=GetCallerIdentity&Version=2011-06-15",
      });
      expect(await res.text()).toContain("<Account>123456789013</Account>");
      expect(processAlive(moto.pid)).toBe(true);
    } finally {
      await moto.stop();
    }
    expect(processAlive(moto.pid)).toBe(false);
  });
});
