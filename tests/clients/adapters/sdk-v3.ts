import { createReadStream, createWriteStream } from "node:fs";
import https from "node:https";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import {
  CopyObjectCommand,
  DeleteObjectCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadObjectCommand,
  paginateListObjectsV2,
  PutObjectCommand,
  S3Client,
} from "@aws-sdk/client-s3";
import { Upload } from "@aws-sdk/lib-storage";
import { getSignedUrl } from "@aws-sdk/s3-request-presigner";
import { BUCKET, type ClientOps } from "../scenarios";
import type { AdapterSetup } from "./setup";

/**
 * JS SDK v3 (`@aws-sdk/client-s3`, `lib-storage` for uploads, `s3-request-presigner`) with its
 * defaults and what a user sets: endpoint, region, credentials with the JWT as the session token,
 * and an HTTPS agent trusting the gateway's CA. Errors become plain Errors naming the S3 code.
 */
export function sdkV3Ops(setup: AdapterSetup): { ops: ClientOps; close(): void } {
  const agent = new https.Agent({ ca: setup.caPem, keepAlive: true });
  const s3 = new S3Client({
    endpoint: setup.gatewayUrl,
    region: setup.region,
    credentials: { accessKeyId: "AKIDANYTHING", secretAccessKey: "anything", sessionToken: setup.token },
    requestHandler: { httpsAgent: agent },
  });
  const send = async <T>(what: () => Promise<T>): Promise<T> => {
    try {
      return await what();
    } catch (error) {
      const e = error as { name?: string; message?: string; $metadata?: { httpStatusCode?: number } };
      throw new Error(`${e.name} (${e.$metadata?.httpStatusCode ?? "no status"}): ${e.message}`, { cause: error });
    }
  };
  const getTo = async (key: string, file: string, range?: string) => {
    const got = await send(() => s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: key, ...(range ? { Range: range } : {}) })));
    await pipeline(got.Body as Readable, createWriteStream(file));
  };
  const list = async (prefix: string) => {
    const keys: string[] = [];
    await send(async () => {
      for await (const page of paginateListObjectsV2({ client: s3 }, { Bucket: BUCKET, Prefix: prefix })) keys.push(...(page.Contents ?? []).map((c) => c.Key!));
    });
    return keys;
  };
  const upload = (file: string, key: string, metadata?: Record<string, string>) =>
    send(() => new Upload({ client: s3, params: { Bucket: BUCKET, Key: key, Body: createReadStream(file), ...(metadata ? { Metadata: metadata } : {}) } }).done()).then(() => undefined);
  const deleteKeys = async (keys: string[]) => {
    const result = await send(() => s3.send(new DeleteObjectsCommand({ Bucket: BUCKET, Delete: { Objects: keys.map((Key) => ({ Key })) } })));
    if (result.Errors?.length) throw new Error(`DeleteObjects errors: ${JSON.stringify(result.Errors)}`);
  };
  const ops: ClientOps = {
    upload: (file, key) => upload(file, key),
    download: (key, file) => getTo(key, file),
    list,
    head: async (key) => (await send(() => s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: key })))).ContentLength ?? -1,
    rangeGet: (key, first, last, file) => getTo(key, file, `bytes=${first}-${last}`),
    copy: async (source, key) => void (await send(() => s3.send(new CopyObjectCommand({ Bucket: BUCKET, Key: key, CopySource: encodeURIComponent(`${BUCKET}/${source}`) })))),
    delete: async (key) => void (await send(() => s3.send(new DeleteObjectCommand({ Bucket: BUCKET, Key: key })))),
    deleteTree: async (prefix) => deleteKeys(await list(prefix)),
    deleteKeys,
    presignGet: (key) => getSignedUrl(s3, new GetObjectCommand({ Bucket: BUCKET, Key: key }), { expiresIn: 300 }),
    presignPut: (key) => getSignedUrl(s3, new PutObjectCommand({ Bucket: BUCKET, Key: key }), { expiresIn: 300 }),
    uploadWithMetadata: (file, key, metadata) => upload(file, key, metadata),
  };
  return {
    ops,
    close() {
      s3.destroy();
      agent.destroy();
    },
  };
}
