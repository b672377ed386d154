import { join } from "node:path";
import { BUCKET, type ClientOps } from "../scenarios";
import { runClient } from "../harness";
import type { AdapterSetup } from "./setup";

const s3url = (key: string) => `s3://${BUCKET}/${key}`;

/**
 * aws cli (v1 or v2) with what a user sets: the endpoint, the region, the CA bundle and the
 * credentials with the JWT as the session token. No config file: every other setting is the default.
 */
export function awsCliOps(cli: string, setup: AdapterSetup): ClientOps {
  const env = {
    PATH: process.env.PATH ?? "/usr/bin:/bin",
    HOME: setup.dir,
    AWS_CONFIG_FILE: join(setup.dir, "no-config"),
    AWS_SHARED_CREDENTIALS_FILE: join(setup.dir, "no-credentials"),
    AWS_ACCESS_KEY_ID: "AKIDANYTHING",
    AWS_SECRET_ACCESS_KEY: "anything",
    AWS_SESSION_TOKEN: setup.token,
    AWS_DEFAULT_REGION: setup.region,
    AWS_CA_BUNDLE: setup.caFile,
    AWS_EC2_METADATA_DISABLED: "true",
    AWS_PAGER: "",
  };
  const aws = (...args: string[]) => runClient(cli, ["--endpoint-url", setup.gatewayUrl, ...args], { env, cwd: setup.dir });
  return {
    upload: async (file, key) => void (await aws("s3", "cp", file, s3url(key))),
    download: async (key, file) => void (await aws("s3", "cp", s3url(key), file)),
    syncUp: async (dir, prefix) => void (await aws("s3", "sync", dir, s3url(prefix))),
    syncDown: async (prefix, dir) => void (await aws("s3", "sync", s3url(prefix), dir)),
    list: async (prefix) =>
      (await aws("s3", "ls", "--recursive", s3url(prefix)))
        .split("\n")
        .filter((line) => line.trim() !== "")
        .map((line) => /^\S+\s+\S+\s+\d+ (.*)$/.exec(line)?.[1] ?? `unparsed: ${line}`),
    head: async (key) => JSON.parse(await aws("s3api", "head-object", "--bucket", BUCKET, "--key", key)).ContentLength,
    rangeGet: async (key, first, last, file) => void (await aws("s3api", "get-object", "--bucket", BUCKET, "--key", key, "--range", `bytes=${first}-${last}`, file)),
    copy: async (source, key) => void (await aws("s3", "cp", s3url(source), s3url(key))),
    delete: async (key) => void (await aws("s3", "rm", s3url(key))),
    deleteTree: async (prefix) => void (await aws("s3", "rm", "--recursive", s3url(prefix))),
    deleteKeys: async (keys) => void (await aws("s3api", "delete-objects", "--bucket", BUCKET, "--delete", JSON.stringify({ Objects: keys.map((Key) => ({ Key })) }))),
    presignGet: async (key) => (await aws("s3", "presign", s3url(key), "--expires-in", "300")).trim(),
    putKey: async (file, key) => void (await aws("s3api", "put-object", "--bucket", BUCKET, "--key", key, "--body", file)),
    getKey: async (key, file) => void (await aws("s3api", "get-object", "--bucket", BUCKET, "--key", key, file)),
    uploadWithMetadata: async (file, key, metadata) => void (await aws("s3", "cp", file, s3url(key), "--metadata", JSON.stringify(metadata))),
  };
}
