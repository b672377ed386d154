import { readFileSync } from "node:fs";
import https from "node:https";
import { join } from "node:path";
import { startDev, type DevProcess } from "../support/dev-process";
import { motoSetup } from "../support/moto";
import { TempDirs } from "../support/temp";

const moto = motoSetup();
const describeWithMoto = moto.ok ? describe : describe.skip;
const dirs = new TempDirs();
afterAll(() => dirs.removeAll());

/** A HEAD of `path` at the gateway with `token`, trusting only the CA file the banner names: the status and headers. */
function head(url: string, ca: string, token: string, path: string, host?: string): Promise<{ status: number; headers: Record<string, unknown> }> {
  const target = new URL(path, url);
  return new Promise((resolve, reject) => {
    const request = https.request(
      {
        host: "127.0.0.1",
        port: target.port,
        method: "HEAD",
        path: target.pathname,
        ca,
        servername: host ?? "localhost",
        headers: { authorization: `Bearer ${token}`, ...(host ? { host: `${host}:${target.port}` } : {}) },
      },
      (response) => {
        response.resume();
        response.on("end", () => resolve({ status: response.statusCode ?? 0, headers: response.headers }));
      },
    );
    request.on("error", reject);
    request.end();
  });
}

describeWithMoto("rajee dev across a restart", () => {
  let dev: DevProcess | undefined;
  afterEach(async () => {
    await dev?.stop();
    dev = undefined;
  });

  it("keeps its port and certificate, prints a line per request, and none with --quiet", async () => {
    const dir = join(dirs.make("dev-restart"), "state");
    dev = startDev(["--dir", dir]);
    const [, url] = await dev.waitFor(/rajee is running at (https:\/\/127\.0\.0\.1:\d+) /);
    const [, caFile] = await dev.waitFor(/export AWS_CA_BUNDLE=(\S+)/);
    const [, token] = await dev.waitFor(/export AWS_SESSION_TOKEN=(\S+)/);
    expect(caFile).toBe(join(dir, "gateway-ca.pem"));
    const ca = readFileSync(caFile!, "utf8");

    const denied = await head(url!, ca, token!, "/other-bucket/x");
    expect(denied.status).toBe(403);
    // A HEAD's answer has no body: the code and message come in headers.
    expect(denied.headers).toMatchObject({ "x-amz-error-code": "AccessDenied", "x-amz-error-message": "HeadObject needs read on s3://other-bucket/x, which the token does not grant" });
    await dev.waitFor(/^HEAD \/other-bucket\/x 403 deny AccessDenied \(outside-grants\): HeadObject needs read on s3:\/\/other-bucket\/x, which the token does not grant [\d.]+ ms$/m);
    // Virtual-hosted: the bucket in the host name, under the default --domain the certificate covers.
    expect((await head(url!, ca, token!, "/missing.txt", "dev-bucket.rajee.localhost")).status).toBe(404);
    await dev.waitFor(/^HEAD \/missing\.txt 404 allow HeadObject [\d.]+ ms$/m);
    expect(await dev.stop()).toBe(0);

    dev = startDev(["--dir", dir, "--quiet"]);
    await dev.waitFor(/Ctrl-C to stop/);
    expect(dev.stdout()).toContain(`rajee is running at ${url} `);
    expect(readFileSync(caFile!, "utf8")).toBe(ca);
    // The token printed by the first run still works: same key, same port, same certificate.
    expect((await head(url!, ca, token!, "/dev-bucket/missing.txt")).status).toBe(404);
    expect((await head(url!, ca, token!, "/other-bucket/x")).status).toBe(403);
    expect(await dev.stop()).toBe(0);
    expect(dev.stdout()).not.toMatch(/^HEAD /m);
  }, 90_000);
});
