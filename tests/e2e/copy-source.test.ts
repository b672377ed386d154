import { CopyObjectCommand, GetObjectCommand, PutObjectCommand, S3ServiceException } from "@aws-sdk/client-s3";
import type { GatewayFixture } from "../support/local-gateway";
import { startGatewayFixture } from "../support/local-gateway";
import { motoSetup } from "../support/moto";

/** These tests run the local gateway, whose S3 is moto; without moto they skip and say why. */
const describeWithMoto = motoSetup().ok ? describe : describe.skip;

let fx: GatewayFixture;
let token: string;
beforeAll(async () => {
  fx = await startGatewayFixture(["data"]);
  token = await fx.mint(["*:data/team/", "read:data/shared/", "write:data/shared/"]);
});
afterAll(async () => {
  await fx.stop();
});

const copyRecords = () => fx.gateway.standIn.records.filter((r) => r.copySource !== undefined);

describeWithMoto("x-amz-copy-source through the local gateway", () => {
  it("copies with CopySource: encodeURIComponent('bucket/key'), and S3 receives the canonical copy source it judged", async () => {
    const s3 = fx.client(token);
    await s3.send(new PutObjectCommand({ Bucket: "data", Key: "shared/q1 2024+final.csv", Body: "numbers" }));
    const before = copyRecords().length;
    await s3.send(new CopyObjectCommand({ Bucket: "data", Key: "team/copy.csv", CopySource: encodeURIComponent("data/shared/q1 2024+final.csv") }));
    const [record] = copyRecords().slice(before);
    expect(record).toMatchObject({ method: "PUT", verdict: "verified", status: 200, copySource: "/data/shared/q1%202024%2Bfinal.csv" });
    const copied = await s3.send(new GetObjectCommand({ Bucket: "data", Key: "team/copy.csv" }));
    expect(await copied.Body!.transformToString()).toBe("numbers");
  });

  it("sends the same canonical copy source for a segment-by-segment spelling", async () => {
    const s3 = fx.client(token);
    const before = copyRecords().length;
    await s3.send(new CopyObjectCommand({ Bucket: "data", Key: "team/copy2.csv", CopySource: "/data/shared/q1%202024%2Bfinal.csv" }));
    expect(copyRecords().slice(before)).toEqual([expect.objectContaining({ verdict: "verified", copySource: "/data/shared/q1%202024%2Bfinal.csv" })]);
  });

  it("denies an encoded copy source outside the grants before S3 sees it", async () => {
    const before = fx.gateway.standIn.records.length;
    const error = await fx
      .client(token)
      .send(new CopyObjectCommand({ Bucket: "data", Key: "team/stolen", CopySource: encodeURIComponent("data/secret/x") }))
      .catch((e: S3ServiceException) => e);
    expect(error).toMatchObject({ name: "AccessDenied", $metadata: { httpStatusCode: 403 } });
    expect(fx.gateway.standIn.records.length).toBe(before);
  });
});
