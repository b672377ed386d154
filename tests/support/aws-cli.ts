import { execFileSync } from "node:child_process";

/**
 * The path of an aws cli v2 (v1 lacks the behaviour under test), or undefined with the reason.
 * A pyenv shim may put a v1 `aws` first on PATH, so Debian's /usr/bin/aws is tried first.
 */
export function findAwsCliV2(): { path: string; version: string } | { path: undefined; reason: string } {
  const candidates = [process.env.AWS_CLI_V2, "/usr/bin/aws", "aws"].filter((c): c is string => !!c);
  const seen: string[] = [];
  for (const candidate of candidates) {
    try {
      const version = execFileSync(candidate, ["--version"], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] }).trim();
      if (version.startsWith("aws-cli/2.")) return { path: candidate, version };
      seen.push(`${candidate}: ${version}`);
    } catch {
      seen.push(`${candidate}: not runnable`);
    }
  }
  return { path: undefined, reason: `no aws cli v2 found (${seen.join("; ")}); install Debian's awscli package or set AWS_CLI_V2` };
}
