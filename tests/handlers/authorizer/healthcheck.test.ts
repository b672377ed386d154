import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { checkLive, LIVENESS_PATH } from "../../../handlers/authorizer/healthcheck";
import { jwksText, keyPair, MemorySource, startHarness, type Harness } from "./support";

/** checkLive reports why it failed on stderr; the tests read that instead of printing it. */
function captureStderr(): { text: () => string; restore: () => void } {
  let text = "";
  const spy = jest.spyOn(process.stderr, "write").mockImplementation((chunk: string | Uint8Array) => {
    text += chunk.toString();
    return true;
  });
  return { text: () => text, restore: () => spy.mockRestore() };
}

function serve(handler: Parameters<typeof createServer>[1]): Promise<{ server: Server; port: number }> {
  const server = createServer(handler);
  return new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve({ server, port: (server.address() as AddressInfo).port })));
}

describe("the authorizer's container health check (checkLive)", () => {
  let harness: Harness | undefined;
  let server: Server | undefined;
  let stderr: ReturnType<typeof captureStderr>;

  beforeEach(() => {
    stderr = captureStderr();
  });

  afterEach(async () => {
    stderr.restore();
    await harness?.close();
    harness = undefined;
    await new Promise((resolve) => (server ? server.close(resolve) : resolve(undefined)));
    server = undefined;
  });

  it("asks the path the operations port serves as liveness", async () => {
    harness = await startHarness({ keySource: new MemorySource(jwksText((await keyPair()).publicKey)) });
    expect(LIVENESS_PATH).toBe("/healthz");
    expect((await harness.admin(LIVENESS_PATH)).status).toBe(200);
  });

  it("passes while the authorizer is alive but not ready (no keys loaded), unlike /readyz", async () => {
    const keys = new MemorySource("");
    keys.failing = new Error("secret unreachable");
    harness = await startHarness({ keySource: keys });
    expect((await harness.admin("/readyz")).status).toBe(503);
    expect(await checkLive({ RAJEE_ADMIN_LISTEN: `127.0.0.1:${harness.adminPort}` })).toBe(0);
  });

  it("fails when nothing listens on the operations port", async () => {
    const { server: s, port } = await serve(() => undefined);
    await new Promise((resolve) => s.close(resolve));
    expect(await checkLive({ RAJEE_ADMIN_LISTEN: `127.0.0.1:${port}` })).toBe(1);
    expect(stderr.text()).toMatch(/^healthcheck: connect ECONNREFUSED 127\.0\.0\.1:\d+\n$/);
  });

  it("fails on any status other than 200, and says which", async () => {
    const paths: string[] = [];
    const failing = await serve((req, res) => {
      paths.push(req.url ?? "");
      res.writeHead(500).end();
    });
    server = failing.server;
    expect(await checkLive({ RAJEE_ADMIN_LISTEN: `127.0.0.1:${failing.port}` })).toBe(1);
    expect(paths).toEqual(["/healthz"]);
    expect(stderr.text()).toBe("healthcheck: /healthz answered 500\n");
  });

  it("fails after its timeout when the process accepts and never answers (a blocked event loop)", async () => {
    const hung = await serve(() => undefined);
    server = hung.server;
    expect(await checkLive({ RAJEE_ADMIN_LISTEN: `127.0.0.1:${hung.port}` }, 100)).toBe(1);
    expect(stderr.text()).toBe("healthcheck: no answer from /healthz within 100 ms\n");
    hung.server.closeAllConnections();
  });

  it("fails with the setting's message when RAJEE_ADMIN_LISTEN is not a loopback host:port", async () => {
    expect(await checkLive({ RAJEE_ADMIN_LISTEN: "0.0.0.0:9001" })).toBe(1);
    expect(stderr.text()).toContain("RAJEE_ADMIN_LISTEN");
  });
});
