import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { ClientId } from "./cells";
import { findAwsCliV2 } from "../support/aws-cli";

/** Where each client of the matrix is on this machine and its version, or why it is missing. */
export type Found = { ok: true; path: string; version: string } | { ok: false; reason: string };

/** `aws-cli/2.9.19 Python/...` -> `2.9.19`. */
const cliVersion = (line: string) => (line.split(" ")[0] ?? line).slice("aws-cli/".length);

const versionOf = (file: string, args: string[]): string | undefined => {
  try {
    return execFileSync(file, args, { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"], timeout: 20_000 }).trim();
  } catch {
    return undefined;
  }
};

function findAwsCliV1(): Found {
  // pip's awscli is v1; Debian's /usr/bin/aws is v2, so a pyenv shim or AWS_CLI_V1 is tried first.
  const candidates = [process.env.AWS_CLI_V1, join(process.env.HOME ?? "/root", ".pyenv/shims/aws"), "aws"].filter((c): c is string => !!c);
  for (const candidate of candidates) {
    const version = versionOf(candidate, ["--version"]);
    if (version?.startsWith("aws-cli/1.")) return { ok: true, path: candidate, version: cliVersion(version) };
  }
  return { ok: false, reason: `no aws cli v1 (tried ${candidates.join(", ")}); install it with pip install awscli (Debian packages v2 only) or set AWS_CLI_V1` };
}

export function findClients(): Record<ClientId, Found> {
  const v2 = findAwsCliV2();
  const python = process.env.RAJEE_PYTHON ?? "python3";
  const boto3 = versionOf(python, ["-c", "import boto3; print(boto3.__version__)"]);
  const rclone = versionOf("rclone", ["version"]);
  const s3cmd = versionOf("s3cmd", ["--version"]);
  const sdk = JSON.parse(readFileSync(require.resolve("@aws-sdk/client-s3/package.json"), "utf8")).version as string;
  return {
    "aws-cli-v2": v2.path === undefined ? { ok: false, reason: v2.reason } : { ok: true, path: v2.path, version: cliVersion(v2.version) },
    "aws-cli-v1": findAwsCliV1(),
    boto3: boto3 ? { ok: true, path: python, version: boto3 } : { ok: false, reason: `${python} cannot import boto3; pip install boto3` },
    "sdk-v3": { ok: true, path: "@aws-sdk/client-s3", version: sdk },
    rclone: rclone ? { ok: true, path: "rclone", version: (rclone.split("\n")[0] ?? "").replace(/^rclone v?/, "") } : { ok: false, reason: "rclone is not on PATH; apt-get install rclone" },
    s3cmd: s3cmd ? { ok: true, path: "s3cmd", version: s3cmd.replace(/^s3cmd version /, "") } : { ok: false, reason: "s3cmd is not on PATH; apt-get install s3cmd" },
  };
}
