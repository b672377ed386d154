import { writeFile } from "node:fs/promises";
import https from "node:https";
import { join } from "node:path";
import { PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { startLocalGateway, type LocalGateway } from "../../bin/dev/local-gateway";
import { CHECK_CHILD_SPAN_NAME, GATEWAY_SERVICE_NAME, REQUEST_SPAN_NAME } from "../../bin/dev/otlp-gateway-spans";
import { startOtlpReceiver, type OtlpReceiver } from "../../bin/dev/otlp-receiver";
import { AUTHORIZER_SERVICE_NAME } from "../../handlers/authorizer/logger";
import { CHECK_ATTRIBUTES, CHECK_SPAN_NAME } from "../../handlers/authorizer/tracing";
import { generateSigningKeyPair } from "../../src/keys/generate";
import { mintToken } from "../../src/token/mint";
import { motoSetup } from "../support/moto";
import { makeTempDir, removeTempDir } from "../support/temp";

const moto = motoSetup();
const describeWithMoto = moto.ok ? describe : describe.skip;

describeWithMoto("traces of one request through the local gateway", () => {
  let receiver: OtlpReceiver;
  let gateway: LocalGateway;
  let dir: string;
  let token: string;
  const lines: string[] = [];

  beforeAll(async () => {
    dir = makeTempDir("tracing");
    const pair = await generateSigningKeyPair();
    const jwks = join(dir, "jwks.json");
    await writeFile(jwks, JSON.stringify({ keys: [pair.publicKey] }));
    token = await mintToken({ key: pair.privateKey, subject: "tracer", grants: ["write:traced/"], ttlSeconds: 900, issuer: "rajee", audience: "rajee" });
    receiver = await startOtlpReceiver();
    gateway = await startLocalGateway({
      buckets: ["traced"],
      keys: jwks,
      tracing: { endpoint: receiver.tracesUrl, samplingRatio: 1 },
      logDestination: { write: (line: string) => void lines.push(line) },
    });
    const client = new S3Client({
      endpoint: gateway.url,
      forcePathStyle: true,
      region: "eu-west-1",
      maxAttempts: 1,
      credentials: { accessKeyId: "AKIDANYTHING", secretAccessKey: "anything", sessionToken: token },
      requestHandler: { httpsAgent: new https.Agent({ ca: gateway.caCertificate }) },
    });
    await client.send(new PutObjectCommand({ Bucket: "traced", Key: "a.txt", Body: "hello" }));
    client.destroy();
    // Stopping flushes both exporters.
    await gateway.stop();
  }, 30_000);

  afterAll(async () => {
    await receiver?.close();
    if (dir) removeTempDir(dir);
  });

  it("delivers the gateway's and the authorizer's spans with one trace id, the check a child of the gateway's ext_authz span", () => {
    const request = receiver.spans.find((s) => s.serviceName === GATEWAY_SERVICE_NAME && s.name === REQUEST_SPAN_NAME);
    const egress = receiver.spans.find((s) => s.serviceName === GATEWAY_SERVICE_NAME && s.name === CHECK_CHILD_SPAN_NAME);
    const check = receiver.spans.find((s) => s.serviceName === AUTHORIZER_SERVICE_NAME && s.name === CHECK_SPAN_NAME);
    expect(request && egress && check).toBeTruthy();
    expect(new Set([request!.traceId, egress!.traceId, check!.traceId]).size).toBe(1);
    expect(request!.traceId).toMatch(/^[0-9a-f]{32}$/);
    expect(egress!.parentSpanId).toBe(request!.spanId);
    expect(check!.parentSpanId).toBe(egress!.spanId);
    expect(receiver.spans).toHaveLength(3);
  });

  it("puts the decision on the authorizer's span", () => {
    const check = receiver.spans.find((s) => s.name === CHECK_SPAN_NAME)!;
    expect(check.attributes).toMatchObject({
      [CHECK_ATTRIBUTES.operation]: "PutObject",
      [CHECK_ATTRIBUTES.decision]: "allow",
      [CHECK_ATTRIBUTES.reason]: "allowed",
      "http.request.method": "PUT",
      "http.response.status_code": 200,
    });
  });

  it("gives the decision log line the same trace id and span id", () => {
    const check = receiver.spans.find((s) => s.name === CHECK_SPAN_NAME)!;
    const decision = lines.map((l) => JSON.parse(l) as Record<string, unknown>).find((l) => l.event === "decision");
    expect(decision).toMatchObject({ trace_id: check.traceId, span_id: check.spanId });
  });

  it("sends no token bytes to the trace backend", () => {
    const sent = receiver.bodies.join("\n");
    expect(sent.length).toBeGreaterThan(0);
    expect(sent).not.toContain(token);
    for (const segment of token.split(".")) expect(sent).not.toContain(segment);
  });
});
