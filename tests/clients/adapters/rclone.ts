import { execFile } from "node:child_process";
import { writeFileSync } from "node:fs";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { BUCKET, type ClientOps } from "../scenarios";
import { ClientError, runClient } from "../harness";
import type { AdapterSetup } from "./setup";

/**
 * rclone with a remote of type s3 holding what a user sets (endpoint, region, credentials with the
 * JWT as the session token) and `--ca-cert` for the gateway's CA; every other option its default.
 * The provider is `Other`, rclone's choice for an S3-compatible endpoint: with `AWS` rclone 1.60
 * addresses buckets virtual-hosted (`data.127.0.0.1`), which an IP endpoint cannot resolve.
 */
export function rcloneOps(rclone: string, setup: AdapterSetup): ClientOps {
  const config = join(setup.dir, "rclone.conf");
  writeFileSync(
    config,
    [
      "[gateway]",
      "type = s3",
      "provider = Other",
      "access_key_id = AKIDANYTHING",
      "secret_access_key = anything",
      `session_token = ${setup.token}`,
      `region = ${setup.region}`,
      `endpoint = ${setup.gatewayUrl}`,
      "",
    ].join("\n"),
  );
  const env = { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: setup.dir, RCLONE_CONFIG: config };
  const flags = ["--ca-cert", setup.caFile];
  const run = (...args: string[]) => runClient(rclone, [...args, ...flags], { env, cwd: setup.dir });
  const remote = (key: string) => `gateway:${BUCKET}/${key}`;
  return {
    upload: async (file, key) => void (await run("copyto", file, remote(key))),
    download: async (key, file) => void (await run("copyto", remote(key), file)),
    syncUp: async (dir, prefix) => void (await run("sync", dir, remote(prefix))),
    syncDown: async (prefix, dir) => void (await run("sync", remote(prefix), dir)),
    list: async (prefix) =>
      (await run("lsf", "-R", "--files-only", remote(prefix)))
        .split("\n")
        .filter((line) => line !== "")
        .map((line) => `${prefix}${line}`),
    head: async (key) => JSON.parse(await run("lsjson", "--stat", remote(key))).Size,
    rangeGet: (key, first, last, file) =>
      new Promise<void>((resolve, reject) => {
        execFile(rclone, ["cat", "--offset", String(first), "--count", String(last - first + 1), remote(key), ...flags], { env, cwd: setup.dir, encoding: "buffer", timeout: 120_000 }, (error, stdout, stderr) => {
          if (error) reject(new ClientError(`rclone cat: exit ${error.code}: ${stderr.toString("utf8")}`));
          else writeFile(file, stdout).then(resolve, reject);
        });
      }),
    copy: async (source, key) => void (await run("copyto", remote(source), remote(key))),
    delete: async (key) => void (await run("deletefile", remote(key))),
    deleteTree: async (prefix) => void (await run("delete", remote(prefix))),
    presignGet: async (key) => (await run("link", "--expire", "5m", remote(key))).trim(),
    slashKeys: false,
    uploadWithMetadata: async (file, key, metadata) =>
      void (await run("copyto", "--metadata", ...Object.entries(metadata).flatMap(([name, value]) => ["--metadata-set", `${name}=${value}`]), file, remote(key))),
  };
}
