import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { chmod, mkdir, readdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { CreateBucketCommand, GetObjectCommand, ListBucketsCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";

/**
 * moto keeps objects in memory only. So that objects written through `rajee dev` survive a
 * restart, the stand-in saves the latest version of every object to a folder when it stops and
 * puts them back into the new moto when it starts. The folder holds `objects.json` (bucket, key,
 * the headers S3 returns, the body's file) and `bodies/<sha256>` (content-addressed, so a key of
 * any length or shape maps to a valid file name). Like the keys beside it, the folders are 0700 and
 * the files 0600: they hold whatever was uploaded, which is no one else's to read.
 */

/** Mode of the snapshot's folders and files. */
export const SNAPSHOT_DIRECTORY_MODE = 0o700;
export const SNAPSHOT_FILE_MODE = 0o600;
interface SavedObject {
  readonly bucket: string;
  readonly key: string;
  readonly body: string;
  readonly contentType?: string;
  readonly contentEncoding?: string;
  readonly contentDisposition?: string;
  readonly contentLanguage?: string;
  readonly cacheControl?: string;
  readonly metadata?: Record<string, string>;
}

const INDEX = "objects.json";
const BODIES = "bodies";

function motoClient(motoUrl: string, region: string): S3Client {
  // moto checks no signatures by default; these credentials only satisfy the SDK.
  return new S3Client({ endpoint: motoUrl, region, forcePathStyle: true, credentials: { accessKeyId: "snapshot", secretAccessKey: "snapshot" } });
}

/** Writes the latest version of every object in every bucket to `directory`; returns how many. */
export async function saveSnapshot(motoUrl: string, region: string, directory: string): Promise<number> {
  const s3 = motoClient(motoUrl, region);
  await mkdir(join(directory, BODIES), { recursive: true, mode: SNAPSHOT_DIRECTORY_MODE });
  // mkdir leaves existing folders as they were (and the umask applies to new ones): set both.
  await chmod(directory, SNAPSHOT_DIRECTORY_MODE);
  await chmod(join(directory, BODIES), SNAPSHOT_DIRECTORY_MODE);
  const saved: SavedObject[] = [];
  try {
    const buckets = ((await s3.send(new ListBucketsCommand({}))).Buckets ?? []).map((b) => b.Name!);
    for (const bucket of buckets) {
      let token: string | undefined;
      do {
        const page = await s3.send(new ListObjectsV2Command({ Bucket: bucket, ContinuationToken: token }));
        for (const { Key } of page.Contents ?? []) {
          const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key }));
          const bytes = await got.Body!.transformToByteArray();
          const body = createHash("sha256").update(bytes).digest("hex");
          const file = join(directory, BODIES, body);
          if (!existsSync(file)) await writeFile(file, bytes, { mode: SNAPSHOT_FILE_MODE });
          else await chmod(file, SNAPSHOT_FILE_MODE);
          saved.push({
            bucket,
            key: Key!,
            body,
            ...(got.ContentType ? { contentType: got.ContentType } : {}),
            ...(got.ContentEncoding ? { contentEncoding: got.ContentEncoding } : {}),
            ...(got.ContentDisposition ? { contentDisposition: got.ContentDisposition } : {}),
            ...(got.ContentLanguage ? { contentLanguage: got.ContentLanguage } : {}),
            ...(got.CacheControl ? { cacheControl: got.CacheControl } : {}),
            ...(got.Metadata && Object.keys(got.Metadata).length > 0 ? { metadata: got.Metadata } : {}),
          });
        }
        token = page.IsTruncated ? page.NextContinuationToken : undefined;
      } while (token);
    }
  } finally {
    s3.destroy();
  }
  // Replace the index in one rename, then drop bodies nothing refers to.
  await writeFile(join(directory, `${INDEX}.new`), JSON.stringify(saved, null, 1), { mode: SNAPSHOT_FILE_MODE });
  await chmod(join(directory, `${INDEX}.new`), SNAPSHOT_FILE_MODE);
  await rename(join(directory, `${INDEX}.new`), join(directory, INDEX));
  const used = new Set(saved.map((o) => o.body));
  for (const file of await readdir(join(directory, BODIES))) if (!used.has(file)) await rm(join(directory, BODIES, file), { force: true });
  return saved.length;
}

/** Puts the objects saved in `directory` back into moto, creating their buckets; returns how many. */
export async function restoreSnapshot(motoUrl: string, region: string, directory: string): Promise<number> {
  const index = join(directory, INDEX);
  if (!existsSync(index)) return 0;
  const saved = JSON.parse(await readFile(index, "utf8")) as SavedObject[];
  const s3 = motoClient(motoUrl, region);
  try {
    const existing = new Set(((await s3.send(new ListBucketsCommand({}))).Buckets ?? []).map((b) => b.Name!));
    for (const bucket of new Set(saved.map((o) => o.bucket))) {
      if (!existing.has(bucket)) await s3.send(new CreateBucketCommand({ Bucket: bucket, CreateBucketConfiguration: { LocationConstraint: region as never } }));
    }
    for (const o of saved) {
      await s3.send(
        new PutObjectCommand({
          Bucket: o.bucket,
          Key: o.key,
          Body: await readFile(join(directory, BODIES, o.body)),
          ContentType: o.contentType,
          ContentEncoding: o.contentEncoding,
          ContentDisposition: o.contentDisposition,
          ContentLanguage: o.contentLanguage,
          CacheControl: o.cacheControl,
          Metadata: o.metadata,
        }),
      );
    }
  } finally {
    s3.destroy();
  }
  return saved.length;
}
