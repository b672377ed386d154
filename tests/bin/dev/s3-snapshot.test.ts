import { chmod, mkdir, readdir, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { CreateBucketCommand, GetObjectCommand, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { restoreSnapshot, saveSnapshot } from "../../../bin/dev/s3-snapshot";
import { motoSetup, startMoto, type Moto } from "../../support/moto";
import { TempDirs } from "../../support/temp";

const moto = motoSetup();
const describeWithMoto = moto.ok ? describe : describe.skip;
const REGION = "eu-west-1";
const temp = new TempDirs();

const client = (url: string) => new S3Client({ endpoint: url, region: REGION, forcePathStyle: true, credentials: { accessKeyId: "x", secretAccessKey: "y" } });
const modeOf = async (path: string) => (await stat(path)).mode & 0o777;

describeWithMoto("the dev S3 snapshot", () => {
  let aws: Moto;
  beforeAll(async () => {
    aws = await startMoto();
  });
  afterAll(async () => {
    temp.removeAll();
    await aws.stop();
  });

  it("keeps uploaded objects private to the user, as the keys beside them are: folders 0700, files 0600, even where an older run left them open", async () => {
    const s3 = client(aws.url);
    await s3.send(new CreateBucketCommand({ Bucket: "snap", CreateBucketConfiguration: { LocationConstraint: REGION } }));
    await s3.send(new PutObjectCommand({ Bucket: "snap", Key: "secret.txt", Body: "payroll" }));
    const directory = join(temp.make("snapshot"), "s3");
    // An older run's snapshot: world-readable folders and a body file.
    await mkdir(join(directory, "bodies"), { recursive: true, mode: 0o755 });
    await chmod(directory, 0o755);
    await chmod(join(directory, "bodies"), 0o755);
    const oldBody = join(directory, "bodies", "4f1c0b8f8e5c2b6a2d0b1b3a8c2f4d6e8a0b2c4d6e8f0a2b4c6d8e0f2a4b6c8d");
    await writeFile(oldBody, "stale", { mode: 0o644 });

    expect(await saveSnapshot(aws.url, REGION, directory)).toBe(1);
    expect(await modeOf(directory)).toBe(0o700);
    expect(await modeOf(join(directory, "bodies"))).toBe(0o700);
    expect(await modeOf(join(directory, "objects.json"))).toBe(0o600);
    const bodies = await readdir(join(directory, "bodies"));
    expect(bodies).toHaveLength(1);
    for (const body of bodies) expect(await modeOf(join(directory, "bodies", body))).toBe(0o600);

    // Saved again over an existing body, and restored into a fresh moto, it is the same object.
    await chmod(join(directory, "bodies", bodies[0]!), 0o644);
    await saveSnapshot(aws.url, REGION, directory);
    expect(await modeOf(join(directory, "bodies", bodies[0]!))).toBe(0o600);
    const fresh = await startMoto();
    try {
      expect(await restoreSnapshot(fresh.url, REGION, directory)).toBe(1);
      const got = await client(fresh.url).send(new GetObjectCommand({ Bucket: "snap", Key: "secret.txt" }));
      expect(await got.Body!.transformToString()).toBe("payroll");
    } finally {
      await fresh.stop();
    }
  });
});
