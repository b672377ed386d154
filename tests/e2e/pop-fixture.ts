import { execFile } from "node:child_process";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";
import { startLocalGateway, type LocalGateway } from "../../bin/dev/local-gateway";
import { generateSigningKeyPair, type GeneratedKeyPair } from "../../src/keys/generate";
import { generateBindingKeyPair } from "../../src/token/binding";
import { issueCredentials, type IssuedCredentials } from "../../src/token/credentials";
import { mintToken } from "../../src/token/mint";
import { makeTempDir, removeTempDir } from "../support/temp";

/**
 * A local gateway whose authorizer requires client signatures (RAJEE_CLIENT_SIGNATURES=required,
 * binding keys from a file), and credentials bound to it: what `rajee token mint --binding-key` or
 * the issuer hands out.
 */
export interface PopFixture {
  readonly gateway: LocalGateway;
  readonly dir: string;
  readonly caFile: string;
  readonly pair: GeneratedKeyPair;
  /** Bound credentials for `grants`. */
  issue(grants: string[], subject?: string): Promise<IssuedCredentials>;
  /** A bearer token (no cnf), which this gateway refuses. */
  bearer(grants: string[]): Promise<string>;
  /** The environment of an aws cli or boto3 process using `credentials` (`s3Options`: more lines of the config's `s3 =` block), nothing read from the user's configuration. */
  awsEnvironment(credentials: IssuedCredentials, s3Options?: string): Promise<Record<string, string>>;
  stop(): Promise<void>;
}

export async function startPopFixture(buckets: string[]): Promise<PopFixture> {
  const dir = makeTempDir("pop");
  try {
    const pair = await generateSigningKeyPair();
    const binding = await generateBindingKeyPair();
    const jwks = join(dir, "jwks.json");
    const bindingKeys = join(dir, "binding-keys.json");
    await writeFile(jwks, JSON.stringify({ keys: [pair.publicKey] }));
    await writeFile(bindingKeys, JSON.stringify({ keys: [binding.privateKey] }), { mode: 0o600 });
    const gateway = await startLocalGateway({
      buckets,
      keys: jwks,
      env: { RAJEE_RATE_LIMIT_PER_SECOND: "0", RAJEE_CLIENT_SIGNATURES: "required", RAJEE_BINDING_KEYS_FILE: bindingKeys },
    });
    const caFile = join(dir, "gateway-ca.pem");
    await writeFile(caFile, gateway.caCertificate);
    const base = { key: pair.privateKey, ttlSeconds: 900, issuer: "rajee", audience: "rajee" };
    return {
      gateway,
      dir,
      caFile,
      pair,
      issue: (grants, subject = "pop") => issueCredentials({ ...base, subject, grants, binding: binding.publicKey }),
      bearer: (grants) => mintToken({ ...base, subject: "bearer", grants }),
      awsEnvironment: async (credentials, s3Options = "") => {
        const config = join(dir, "aws-config");
        await writeFile(config, `[default]\nregion = eu-west-1\ns3 =\n  addressing_style = path\n${s3Options}`);
        return {
          PATH: process.env.PATH ?? "/usr/bin:/bin",
          HOME: dir,
          AWS_CONFIG_FILE: config,
          AWS_SHARED_CREDENTIALS_FILE: join(dir, "no-credentials"),
          AWS_ACCESS_KEY_ID: credentials.accessKeyId,
          AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey,
          AWS_SESSION_TOKEN: credentials.sessionToken,
          AWS_CA_BUNDLE: caFile,
          AWS_EC2_METADATA_DISABLED: "true",
          AWS_PAGER: "",
        };
      },
      stop: async () => {
        await gateway.stop();
        removeTempDir(dir);
      },
    };
  } catch (error) {
    removeTempDir(dir);
    throw error;
  }
}

/** Runs a command, never throwing: its exit code and output. */
export async function run(command: string, args: string[], options: { env?: Record<string, string>; cwd: string }): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await promisify(execFile)(command, args, { ...options, timeout: 60_000 });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof e.code === "number" ? e.code : 1, stdout: e.stdout ?? "", stderr: e.stderr ?? "" };
  }
}

/** GETs (or PUTs) a URL with only the gateway's CA: what a browser or curl does with a presigned URL. */
export async function fetchUrl(url: string, ca: string, init: { method?: string; body?: string; headers?: Record<string, string> } = {}): Promise<{ status: number; body: string }> {
  const https = await import("node:https");
  return new Promise((resolve, reject) => {
    const request = https.request(url, { method: init.method ?? "GET", ca, headers: init.headers ?? {} }, (response) => {
      const chunks: Buffer[] = [];
      response.on("data", (c: Buffer) => chunks.push(c));
      response.on("end", () => resolve({ status: response.statusCode ?? 0, body: Buffer.concat(chunks).toString("utf8") }));
    });
    request.on("error", reject);
    request.end(init.body);
  });
}
