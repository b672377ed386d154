import { join } from "node:path";
import type { ClientOps } from "../scenarios";
import { runClient } from "../harness";
import type { AdapterSetup } from "./setup";

const SCRIPT = join(__dirname, "boto3_ops.py");

/**
 * boto3 with its defaults, configured the way a user would through the environment: endpoint,
 * region, CA bundle, credentials with the JWT as the session token. One Python process per call.
 */
export function boto3Ops(python: string, setup: AdapterSetup): ClientOps {
  const env = {
    PATH: process.env.PATH ?? "/usr/bin:/bin",
    HOME: setup.dir,
    AWS_CONFIG_FILE: join(setup.dir, "no-config"),
    AWS_SHARED_CREDENTIALS_FILE: join(setup.dir, "no-credentials"),
    AWS_ENDPOINT_URL: setup.gatewayUrl,
    AWS_DEFAULT_REGION: setup.region,
    AWS_CA_BUNDLE: setup.caFile,
    AWS_ACCESS_KEY_ID: "AKIDANYTHING",
    AWS_SECRET_ACCESS_KEY: "anything",
    AWS_SESSION_TOKEN: setup.token,
    AWS_EC2_METADATA_DISABLED: "true",
  };
  const call = async (operation: string, args: Record<string, unknown>) => JSON.parse(await runClient(python, [SCRIPT, operation, JSON.stringify(args)], { env, cwd: setup.dir }));
  return {
    upload: async (file, key) => void (await call("upload", { file, key })),
    download: async (key, file) => void (await call("download", { key, file })),
    list: (prefix) => call("list", { prefix }),
    head: (key) => call("head", { key }),
    rangeGet: async (key, first, last, file) => void (await call("range", { key, file, range: `bytes=${first}-${last}` })),
    copy: async (source, key) => void (await call("copy", { source, key })),
    delete: async (key) => void (await call("delete", { key })),
    deleteTree: async (prefix) => void (await call("delete-prefix", { prefix })),
    deleteKeys: async (keys) => void (await call("delete-keys", { keys })),
    presignGet: (key) => call("presign", { method: "GET", key }),
    presignPut: (key) => call("presign", { method: "PUT", key }),
    putKey: async (file, key) => void (await call("put", { file, key })),
    getKey: async (key, file) => void (await call("get", { key, file })),
    uploadWithMetadata: async (file, key, metadata) => void (await call("upload", { file, key, extra: { Metadata: metadata } })),
  };
}
