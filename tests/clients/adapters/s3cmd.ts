import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { BUCKET, type ClientOps } from "../scenarios";
import { runClient } from "../harness";
import type { AdapterSetup } from "./setup";

/**
 * s3cmd with a config file holding what a user sets: credentials with the JWT as `access_token`,
 * the gateway as `host_base` and `host_bucket` (path-style), and the CA as `ca_certs_file`.
 */
export function s3cmdOps(s3cmd: string, setup: AdapterSetup): ClientOps {
  const config = join(setup.dir, "s3cfg");
  const host = new URL(setup.gatewayUrl).host;
  writeFileSync(
    config,
    [
      "[default]",
      "access_key = AKIDANYTHING",
      "secret_key = anything",
      `access_token = ${setup.token}`,
      `host_base = ${host}`,
      `host_bucket = ${host}`,
      `bucket_location = ${setup.region}`,
      "use_https = True",
      `ca_certs_file = ${setup.caFile}`,
      "",
    ].join("\n"),
  );
  const env = { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: setup.dir };
  const run = (...args: string[]) => runClient(s3cmd, ["-c", config, ...args], { env, cwd: setup.dir });
  const uri = (key: string) => `s3://${BUCKET}/${key}`;
  return {
    upload: async (file, key) => void (await run("put", file, uri(key))),
    download: async (key, file) => void (await run("get", "--force", uri(key), file)),
    syncUp: async (dir, prefix) => void (await run("sync", `${dir}/`, uri(prefix))),
    syncDown: async (prefix, dir) => void (await run("sync", uri(prefix), `${dir}/`)),
    list: async (prefix) =>
      (await run("ls", "-r", uri(prefix)))
        .split("\n")
        .filter((line) => line.trim() !== "")
        .map((line) => {
          const at = line.indexOf(`s3://${BUCKET}/`);
          return at < 0 ? `unparsed: ${line}` : line.slice(at + `s3://${BUCKET}/`.length);
        }),
    head: async (key) => Number(/File size:\s*(\d+)/.exec(await run("info", uri(key)))?.[1] ?? -1),
    copy: async (source, key) => void (await run("cp", uri(source), uri(key))),
    delete: async (key) => void (await run("del", uri(key))),
    deleteTree: async (prefix) => void (await run("del", "--recursive", uri(prefix))),
    presignGet: async (key) => (await run("signurl", uri(key), "+300")).trim(),
    uploadWithMetadata: async (file, key, metadata) =>
      void (await run("put", ...Object.entries(metadata).map(([name, value]) => `--add-header=x-amz-meta-${name}:${value}`), file, uri(key))),
  };
}
