import net from "node:net";
import { ListBucketsCommand, S3Client } from "@aws-sdk/client-s3";
import { freePort, MOTO_INSTALL_HINT, MotoUnavailableError, startMotoServer } from "../../../bin/dev/moto-server";
import { motoSetup, startMoto } from "../../support/moto";
import { processAlive } from "../../support/processes";

const moto = motoSetup();
const describeWithMoto = moto.ok ? describe : describe.skip;


describeWithMoto("moto server", () => {
  it("starts on a free port, answers S3, and stops its own process", async () => {
    const server = await startMotoServer();
    try {
      expect(server.url).toBe(`http://127.0.0.1:${server.port}`);
      const s3 = new S3Client({ endpoint: server.url, region: "us-east-1", forcePathStyle: true, credentials: { accessKeyId: "x", secretAccessKey: "y" } });
      const listed = await s3.send(new ListBucketsCommand({}));
      expect(listed.Buckets ?? []).toEqual([]);
    } finally {
      await server.stop();
    }
    expect(processAlive(server.pid)).toBe(false);
  });

  it("gives the shared test helper a url and a stop", async () => {
    const aws = await startMoto();
    const answer = await fetch(`${aws.url}/moto-api/data.json`);
    expect(answer.status).toBe(200);
    await aws.stop();
    await expect(fetch(`${aws.url}/moto-api/data.json`)).rejects.toThrow();
  });

  it("refuses a port something already listens on, rather than mistaking it for moto", async () => {
    const squatter = net.createServer();
    await new Promise<void>((resolve) => squatter.listen(0, "127.0.0.1", resolve));
    const { port } = squatter.address() as net.AddressInfo;
    try {
      await expect(startMotoServer({ port })).rejects.toThrow(`port ${port} cannot be bound`);
    } finally {
      squatter.close();
    }
  });
});

describe("moto server when moto cannot run", () => {
  it("names the pip install when the executable is missing", async () => {
    const error = await startMotoServer({ command: "/nonexistent/moto_server" }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MotoUnavailableError);
    expect((error as Error).message).toContain(MOTO_INSTALL_HINT);
  });

  it("names the pip install when the executable exits before answering", async () => {
    const error = await startMotoServer({ command: "false" }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MotoUnavailableError);
    expect((error as Error).message).toMatch(/exited \(1\) before answering/);
    expect((error as Error).message).toContain(MOTO_INSTALL_HINT);
  });
});

describe("free port", () => {
  it("returns a port that can be bound on 127.0.0.1", async () => {
    const port = await freePort();
    await expect(freePort(port)).resolves.toBe(port);
  });
});
