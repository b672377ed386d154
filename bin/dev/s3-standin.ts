import { CreateBucketCommand, S3Client } from "@aws-sdk/client-s3";
import { startMotoServer } from "./moto-server";
import { restoreSnapshot, saveSnapshot } from "./s3-snapshot";
import { startS3Verifier, type StandInRecord } from "./s3-verifier";
import type { VerifyCredentials } from "./sigv4-verify";

export type { StandInRecord } from "./s3-verifier";

export interface S3StandInOptions {
  /** Credentials requests must be signed with (the "task role" of a local run). */
  readonly credentials: VerifyCredentials;
  readonly region: string;
  /** Buckets to create. */
  readonly buckets: readonly string[];
  /**
   * Folder the objects are saved to on close and restored from on start, so they survive a
   * restart. @default none: objects live in moto's memory and go with it
   */
  readonly directory?: string;
}

export interface S3StandIn {
  /** `http://127.0.0.1:<port>`: the verifying layer; point the gateway's upstream here. */
  readonly url: string;
  /** moto itself, unauthenticated: for tests that need to look behind the verifying layer. */
  readonly motoUrl: string;
  readonly records: StandInRecord[];
  close(): Promise<void>;
}

/**
 * A local S3: moto (a real implementation of the S3 API) behind the project's verifying layer
 * (s3-verifier.ts), which checks every request as S3 would before moto sees it.
 */
export async function startS3StandIn(options: S3StandInOptions): Promise<S3StandIn> {
  const moto = await startMotoServer();
  try {
    const admin = new S3Client({ endpoint: moto.url, region: options.region, forcePathStyle: true, credentials: { accessKeyId: "setup", secretAccessKey: "setup" } });
    try {
      for (const bucket of options.buckets) {
        await admin.send(new CreateBucketCommand({ Bucket: bucket, CreateBucketConfiguration: { LocationConstraint: options.region as never } }));
      }
    } finally {
      admin.destroy();
    }
    if (options.directory) await restoreSnapshot(moto.url, options.region, options.directory);
    const verifier = await startS3Verifier({ credentials: options.credentials, region: options.region, upstreamUrl: moto.url });
    return {
      url: verifier.url,
      motoUrl: moto.url,
      records: verifier.records,
      async close() {
        await verifier.close();
        try {
          if (options.directory) await saveSnapshot(moto.url, options.region, options.directory);
        } finally {
          await moto.stop();
        }
      },
    };
  } catch (error) {
    await moto.stop();
    throw error;
  }
}
