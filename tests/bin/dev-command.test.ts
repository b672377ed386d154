import { existsSync, writeFileSync } from "node:fs";
import net from "node:net";
import { join } from "node:path";
import { rajee } from "../support/cli";
import { startDev } from "../support/dev-process";
import { TempDirs } from "../support/temp";

const dirs = new TempDirs();
afterAll(() => dirs.removeAll());

/** A stand-in for moto_server that only leaves a mark: if it exists, something was started. */
function markingMoto(dir: string): { env: Record<string, string>; started: () => boolean } {
  const mark = join(dir, "moto-was-started");
  const script = join(dir, "fake-moto");
  writeFileSync(script, `#!/bin/sh\ntouch '${mark}'\nsleep 30\n`, { mode: 0o755 });
  return { env: { RAJEE_MOTO_SERVER: script }, started: () => existsSync(mark) };
}

describe("rajee dev", () => {
  it.each([
    [["dev", "--bucket", "Bad_Bucket"], /--bucket Bad_Bucket/],
    [["dev", "--port", "99999"], /--port 99999/],
    [["dev", "--ttl", "soon"], /--ttl soon/],
    [["dev", "--grant", "bad grant"], /--grant: grant "bad grant" has no ':'/],
    [["dev", "--ttl", "13h"], /--ttl 13h is over the gateway's maximum token lifetime of 12h/],
  ])("refuses %j before starting anything", async (args, message) => {
    const run = await rajee(args);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(message);
    expect(run.stdout).toBe("");
  });

  it.each([
    [["--grant", "bad grant"], /^rajee dev: --grant: grant "bad grant" has no ':'; write <access>:<bucket>\/<path>, e\.g\. read:data\/reports\//m],
    [["--ttl", "13h"], /^rajee dev: --ttl 13h is over the gateway's maximum token lifetime of 12h \(43200 s\).*use at most 12h$/m],
  ])("exits 2 on %j as a process, with the message and no server started", async (args, message) => {
    const dir = dirs.make("dev-bad");
    const moto = markingMoto(dir);
    const dev = startDev(["--dir", join(dir, "state"), ...args], moto.env);
    expect(await dev.exited()).toBe(2);
    expect(dev.stderr()).toMatch(message);
    expect(dev.stdout()).toBe("");
    expect(moto.started()).toBe(false);
  }, 30_000);

  it("exits 1 naming a --port that is taken and what to do, without a stack trace or a server started", async () => {
    const dir = dirs.make("dev-port");
    const moto = markingMoto(dir);
    const taken = net.createServer();
    await new Promise<void>((resolve) => taken.listen(0, "127.0.0.1", resolve));
    const port = (taken.address() as net.AddressInfo).port;
    try {
      const dev = startDev(["--dir", join(dir, "state"), "--port", String(port)], moto.env);
      expect(await dev.exited()).toBe(1);
      expect(dev.stderr()).toContain(`rajee dev: port ${port} on 127.0.0.1 is in use`);
      expect(dev.stderr()).toContain("pick another port with --port N, or leave --port out");
      expect(dev.stderr()).not.toMatch(/EADDRINUSE|\n\s+at /);
      expect(moto.started()).toBe(false);
    } finally {
      await new Promise((resolve) => taken.close(resolve));
    }
  }, 30_000);
});
