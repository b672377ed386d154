import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import { join } from "node:path";
import { createInterface } from "node:readline";
import type { ClientOps } from "../scenarios";
import { ClientError } from "../harness";
import type { AdapterSetup } from "./setup";

const SCRIPT = join(__dirname, "boto3_ops.py");
/** Longest one call may take, as runClient allows a client command. */
const CALL_TIMEOUT_MS = 120_000;

/**
 * boto3 with its defaults, configured the way a user would through the environment: endpoint,
 * region, CA bundle, credentials with the JWT as the session token. One Python process and one
 * `boto3.client("s3")` for the column (boto3_ops.py serve), as a program would hold it, so Python and
 * boto3 start once rather than once per call.
 */
export function boto3Ops(python: string, setup: AdapterSetup): { ops: ClientOps; close(): void } {
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
  let child: ChildProcessWithoutNullStreams | undefined;
  let stderr = "";
  /** The answer the one call in flight waits for (calls are made one after another). */
  let pending: ((line: string | Error) => void) | undefined;
  const start = (): ChildProcessWithoutNullStreams => {
    const started = spawn(python, [SCRIPT, "serve"], { env, cwd: setup.dir });
    started.stderr.on("data", (chunk: Buffer) => void (stderr = (stderr + chunk.toString("utf8")).slice(-4000)));
    createInterface({ input: started.stdout }).on("line", (line) => pending?.(line));
    started.on("exit", (code, signal) => {
      child = undefined;
      pending?.(new ClientError(`boto3_ops.py exited (${code ?? signal}): ${stderr.trim()}`));
    });
    return started;
  };
  const call = (operation: string, args: Record<string, unknown>): Promise<unknown> =>
    new Promise((resolve, reject) => {
      const running = child ?? (child = start());
      const timer = setTimeout(() => running.kill(), CALL_TIMEOUT_MS);
      pending = (line) => {
        clearTimeout(timer);
        pending = undefined;
        if (line instanceof Error) return reject(line);
        const answer = JSON.parse(line) as { result?: unknown; error?: string };
        if (answer.error !== undefined) reject(new ClientError(`boto3 ${operation}: ${answer.error}`));
        else resolve(answer.result);
      };
      running.stdin.write(`${JSON.stringify({ operation, args })}\n`);
    });
  const ops: ClientOps = {
    upload: async (file, key) => void (await call("upload", { file, key })),
    download: async (key, file) => void (await call("download", { key, file })),
    list: async (prefix) => (await call("list", { prefix })) as string[],
    head: async (key) => (await call("head", { key })) as number,
    rangeGet: async (key, first, last, file) => void (await call("range", { key, file, range: `bytes=${first}-${last}` })),
    copy: async (source, key) => void (await call("copy", { source, key })),
    delete: async (key) => void (await call("delete", { key })),
    deleteTree: async (prefix) => void (await call("delete-prefix", { prefix })),
    deleteKeys: async (keys) => void (await call("delete-keys", { keys })),
    presignGet: async (key) => (await call("presign", { method: "GET", key })) as string,
    presignPut: async (key) => (await call("presign", { method: "PUT", key })) as string,
    putKey: async (file, key) => void (await call("put", { file, key })),
    getKey: async (key, file) => void (await call("get", { key, file })),
    uploadWithMetadata: async (file, key, metadata) => void (await call("upload", { file, key, extra: { Metadata: metadata } })),
  };
  return {
    ops,
    close() {
      child?.stdin.end();
      child?.kill();
    },
  };
}
