import https from "node:https";
import { GetObjectCommand, PutObjectCommand, S3ServiceException } from "@aws-sdk/client-s3";
import type { GatewayFixture } from "../support/local-gateway";
import { startGatewayFixture } from "../support/local-gateway";
import { motoSetup } from "../support/moto";

/** These tests run the local gateway, whose S3 is moto; without moto they skip and say why. */
const describeWithMoto = motoSetup().ok ? describe : describe.skip;

let fx: GatewayFixture;
beforeAll(async () => {
  fx = await startGatewayFixture(["data"]);
});
afterAll(async () => {
  await fx.stop();
});

function rawRequest(method: string, path: string, headers: Record<string, string>, body?: string): Promise<{ status: number; body: string }> {
  const url = new URL(fx.gateway.url);
  return new Promise((resolve, reject) => {
    const request = https.request({ host: url.hostname, port: url.port, method, path, headers, ca: fx.gateway.caCertificate }, (response) => {
      let text = "";
      response.on("data", (c) => (text += c));
      response.on("end", () => resolve({ status: response.statusCode ?? 0, body: text }));
    });
    request.on("error", reject);
    request.end(body);
  });
}

describeWithMoto("the gateway under client mistakes and failures", () => {
  it("answers a signed-chunk upload with the clear 400, before S3 sees it", async () => {
    const token = await fx.mint(["write:data/"]);
    const before = fx.gateway.standIn.records.length;
    const answer = await rawRequest("PUT", "/data/chunked", {
      "x-amz-security-token": token,
      "x-amz-content-sha256": "STREAMING-AWS4-HMAC-SHA256-PAYLOAD",
      "content-encoding": "aws-chunked",
      "x-amz-decoded-content-length": "5",
      "content-length": "0",
    });
    expect(answer.status).toBe(400);
    expect(answer.body).toContain("<Code>InvalidRequest</Code>");
    expect(answer.body).toContain("AWS_REQUEST_CHECKSUM_CALCULATION=when_required");
    expect(fx.gateway.standIn.records.length).toBe(before);
  });

  it("strips client-supplied internal headers so only the authorizer can move the path", async () => {
    const token = await fx.mint(["*:data/public/"]);
    await fx.client(token).send(new PutObjectCommand({ Bucket: "data", Key: "public/x", Body: "x" }));
    const answer = await rawRequest("GET", "/data/public/x", { "x-amz-security-token": token, "x-rajee-upstream-path": "/data/secret/y", "x-envoy-original-path": "/data/secret/y" });
    expect(answer).toEqual({ status: 200, body: "x" });
    expect(fx.gateway.standIn.records.at(-1)).toMatchObject({ target: "/data/public/x", verdict: "verified" });
  });

  it("fails closed with 503 when the authorizer dies mid-loop, and nothing unsigned reaches S3", async () => {
    const token = await fx.mint(["read:data/"]);
    const s3 = fx.client(token);
    await fx.client(await fx.mint(["write:data/"])).send(new PutObjectCommand({ Bucket: "data", Key: "loop.txt", Body: "loop" }));
    const statuses: number[] = [];
    let recordsAtKill = -1;
    for (let i = 0; i < 60; i++) {
      if (i === 20) {
        recordsAtKill = fx.gateway.standIn.records.length;
        fx.gateway.authorizer.checkServer.closeAllConnections();
        fx.gateway.authorizer.checkServer.close();
      }
      try {
        await s3.send(new GetObjectCommand({ Bucket: "data", Key: "loop.txt" }));
        statuses.push(200);
      } catch (error) {
        statuses.push((error as S3ServiceException).$metadata?.httpStatusCode ?? -1);
      }
    }
    expect(statuses.slice(0, 20)).toEqual(Array(20).fill(200));
    expect(statuses.slice(20)).toEqual(Array(40).fill(503));
    expect(fx.gateway.standIn.records.length).toBe(recordsAtKill);
    expect(fx.gateway.standIn.records.every((r) => r.verdict === "verified")).toBe(true);
  });
});
