import { spawn, type ChildProcess } from "node:child_process";
import { writeFileSync } from "node:fs";
import { Agent, request } from "node:http";
import { join } from "node:path";
import { bundleAuthorizer } from "../../../handlers/authorizer/bundle";
import { jwksText, keyPair, mint } from "./support";
import { TempDirs } from "../../support/temp";

/** GETs with distinct request ids over 8 keep-alive connections; resolves to the ids answered 200. */
async function checks(port: number, token: string, count: number): Promise<string[]> {
  const agent = new Agent({ keepAlive: true, maxSockets: 8 });
  const one = (id: string) =>
    new Promise<string | undefined>((resolve, reject) => {
      const req = request({ host: "127.0.0.1", port, agent, path: "/data/reports/q1.csv", headers: { host: "gw.example.com", "x-amz-security-token": token, "x-request-id": id } }, (res) => {
        res.resume();
        res.on("end", () => resolve(res.statusCode === 200 ? id : undefined));
      });
      req.on("error", reject);
      req.end();
    });
  try {
    const answered = await Promise.all(Array.from({ length: count }, (_, i) => one(`exit-${i}`)));
    return answered.filter((id): id is string => id !== undefined);
  } finally {
    agent.destroy();
  }
}

describe("the authorizer's log at exit, with stdout slow to drain", () => {
  const temp = new TempDirs();
  let child: ChildProcess | undefined;
  afterAll(() => temp.removeAll());
  afterEach(() => {
    if (child && child.exitCode === null) child.kill("SIGKILL");
  });

  it("writes a whole decision line for every answered check, none torn or lost, though the reader pauses, and at exit", async () => {
    const dir = temp.make("log-exit");
    bundleAuthorizer(join(dir, "app"));
    const pair = await keyPair();
    writeFileSync(join(dir, "jwks.json"), jwksText(pair.publicKey));
    const token = await mint(pair, ["read:data/reports/"]);
    const proc = spawn(process.execPath, [join(dir, "app", "main.js")], {
      env: { PATH: process.env.PATH ?? "", RAJEE_JWKS_FILE: join(dir, "jwks.json"), RAJEE_LISTEN: "127.0.0.1:0", RAJEE_ADMIN_LISTEN: "127.0.0.1:0", RAJEE_RATE_LIMIT_PER_SECOND: "0" },
      stdio: ["ignore", "pipe", "inherit"],
    });
    child = proc;
    const stdout = proc.stdout as NonNullable<typeof proc.stdout>;
    const chunks: Buffer[] = [];
    stdout.on("data", (chunk: Buffer) => chunks.push(chunk));
    const exited = new Promise<number | null>((resolve) => proc.on("exit", (code) => resolve(code)));
    const port = await new Promise<number>((resolve, reject) => {
      const look = () => {
        const listening = /"event":"listening"[^\n]*"check":"127\.0\.0\.1:(\d+)"/.exec(Buffer.concat(chunks).toString("utf8"));
        if (listening) return resolve(Number(listening[1]));
        if (proc.exitCode !== null) return reject(new Error("the authorizer exited before listening"));
        setTimeout(look, 20);
      };
      look();
    });
    // The reader stops: the pipe fills (64 KiB) and the authorizer's writes wait, as behind a slow
    // log driver; checks wait with them, nothing piles up, and all go on when the reader does.
    stdout.pause();
    const answering = checks(port, token, 3000);
    await new Promise((resolve) => setTimeout(resolve, 1000));
    stdout.resume();
    const answered = await answering;
    // And at exit with the reader paused again: the last lines are written once it reads.
    stdout.pause();
    proc.kill("SIGTERM");
    await new Promise((resolve) => setTimeout(resolve, 500));
    stdout.resume();
    expect(await exited).toBe(0);
    await new Promise((resolve) => setImmediate(resolve));

    const lines = Buffer.concat(chunks).toString("utf8").split("\n").filter((line) => line !== "");
    const parsed = lines.map((line) => JSON.parse(line) as { event?: string; request_id?: string });
    const logged = parsed.filter((line) => line.event === "decision").map((line) => line.request_id);
    expect(answered).toHaveLength(3000);
    expect(new Set(logged)).toEqual(new Set(answered));
    expect(logged).toHaveLength(answered.length);
    expect(parsed.at(-1)).toMatchObject({ event: "shutdown_finished", drained: true });
  }, 30_000);
});
