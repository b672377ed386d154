import { DescribeSecretCommand, RotateSecretCommand, SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { fromNodeProviderChain } from "@aws-sdk/credential-providers";
import { parseSecretArn, SECRET_ARN_FORMAT, type SecretArn } from "../../src/contracts/aws-names";
import { parseOptions, requireOption, UsageError, type Command } from "../command";

const HELP = `Usage: rajee keys rotate --secret ARN [--no-wait] [--timeout SECONDS] [--interval SECONDS]

Break-glass: starts a rotation of the signing key now (Secrets Manager RotateSecret, rotate
immediately) and follows it until the new version is AWSCURRENT. The rotation Lambda does the work:
it publishes the new public key, tests it, promotes it, and keeps the old key published until every
token it signed has expired. Tokens in flight keep working.

Options:
  --secret ARN        the private-key secret (terraform output private_key_secret_arn); the region
                      is taken from the ARN
  --no-wait           start the rotation and return
  --timeout SECONDS   how long to follow it (default 300)
  --interval SECONDS  how often to check (default 2)

Credentials come from the usual AWS chain (AWS_PROFILE, AWS_ACCESS_KEY_ID, SSO, ...); the caller
needs secretsmanager:DescribeSecret and secretsmanager:RotateSecret on the secret.
AWS_ENDPOINT_URL_SECRETS_MANAGER (or AWS_ENDPOINT_URL) sends the calls to another endpoint, as with
the aws cli (the tests use a local moto).
See docs/operations.md, "Key rotation".
`;

const DEFAULT_TIMEOUT_SECONDS = 300;
const DEFAULT_INTERVAL_SECONDS = 2;

/** No credentials anywhere in the chain. */
class NoCredentialsError extends Error {
  override readonly name = "NoCredentialsError";
}

/** Parses `--secret`, a secret ARN, or a usage error showing the expected form. */
export function secretArnOption(value: string | undefined): { text: string; arn: SecretArn } {
  const text = requireOption(value, "secret");
  const arn = parseSecretArn(text);
  if (!arn) throw new UsageError(`--secret ${text} is not a secret ARN; use ${SECRET_ARN_FORMAT}`);
  return { text, arn };
}

/** A Secrets Manager client for the ARN's region whose missing-credentials error says how to fix it. */
export function secretsClient(arn: SecretArn): SecretsManagerClient {
  const chain = fromNodeProviderChain();
  return new SecretsManagerClient({
    region: arn.region,
    credentials: async () => {
      try {
        return await chain();
      } catch (error) {
        throw new NoCredentialsError(
          "no AWS credentials found: run 'aws sso login' and set AWS_PROFILE, or set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (and AWS_SESSION_TOKEN)",
          { cause: error },
        );
      }
    },
  });
}

/** Turns an AWS failure into one line naming the action, the secret and what to do. */
export function explainAwsError(error: unknown, action: string, secret: string): Error {
  const err = error as Error;
  const name = err.name ?? "Error";
  if (error instanceof NoCredentialsError || name === "CredentialsProviderError") return new Error(error instanceof NoCredentialsError ? err.message : `no AWS credentials found (${err.message})`, { cause: error });
  if (name === "AccessDeniedException" || name === "AccessDenied") {
    return new Error(`AWS refused secretsmanager:${action} on ${secret} (${err.message}); use credentials whose role allows it`, { cause: error });
  }
  if (name === "ResourceNotFoundException") return new Error(`secret ${secret} does not exist, or these credentials cannot see it (${err.message})`, { cause: error });
  if (name === "InvalidRequestException" || name === "InvalidParameterException") return new Error(`${action} on ${secret} was refused: ${err.message}`, { cause: error });
  return new Error(`${action} on ${secret} failed: ${name}: ${err.message}`, { cause: error });
}

function seconds(value: string | undefined, flag: string, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new UsageError(`--${flag} ${value} is not a positive number of seconds`);
  return n;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

async function describe(client: SecretsManagerClient, secret: string) {
  try {
    return await client.send(new DescribeSecretCommand({ SecretId: secret }));
  } catch (error) {
    throw explainAwsError(error, "DescribeSecret", secret);
  }
}

export const keysRotate: Command = {
  path: ["keys", "rotate"],
  summary: "rotate the signing key now (break-glass) and follow the rotation",
  help: HELP,
  async run(args, io) {
    const { values } = parseOptions(args, { secret: { type: "string" }, "no-wait": { type: "boolean" }, timeout: { type: "string" }, interval: { type: "string" } });
    const { text: secret, arn } = secretArnOption(values.secret);
    const timeout = seconds(values.timeout, "timeout", DEFAULT_TIMEOUT_SECONDS);
    const interval = seconds(values.interval, "interval", DEFAULT_INTERVAL_SECONDS);
    const client = secretsClient(arn);

    const before = await describe(client, secret);
    if (!before.RotationLambdaARN) {
      throw new Error(`${secret} has no rotation function; deploy the signing-keys module, which attaches the rotation Lambda, then run this again`);
    }
    const stuck = Object.entries(before.VersionIdsToStages ?? {}).find(([, stages]) => stages.includes("AWSPENDING") && !stages.includes("AWSCURRENT"));
    if (stuck) {
      throw new Error(
        `a rotation is already in progress: version ${stuck[0]} is AWSPENDING. Secrets Manager retries it; if it keeps failing, see docs/operations.md, "A rotation is stuck"`,
      );
    }
    const previous = Object.entries(before.VersionIdsToStages ?? {}).find(([, stages]) => stages.includes("AWSCURRENT"))?.[0];

    let version: string;
    try {
      const started = await client.send(new RotateSecretCommand({ SecretId: secret, RotateImmediately: true }));
      if (!started.VersionId) throw new Error("RotateSecret returned no VersionId");
      version = started.VersionId;
    } catch (error) {
      throw explainAwsError(error, "RotateSecret", secret);
    }
    io.stdout(`rotation started: version ${version} of ${secret} is AWSPENDING\n`);
    if (values["no-wait"]) {
      io.stdout(`not waiting; follow it with 'rajee keys status' or the rotation function's logs\n`);
      return 0;
    }

    const startedAt = Date.now();
    let shown = "AWSPENDING";
    for (;;) {
      await sleep(interval * 1000);
      const elapsed = (Date.now() - startedAt) / 1000;
      const stages = (await describe(client, secret)).VersionIdsToStages?.[version] ?? [];
      const label = [...stages].sort().join(", ") || "no label";
      if (label !== shown) {
        io.stdout(`  ${elapsed.toFixed(1)}s  version ${version}: ${label}\n`);
        shown = label;
      }
      if (stages.includes("AWSCURRENT")) {
        io.stdout(
          `rotation finished: version ${version} is AWSCURRENT${previous ? `; ${previous} is AWSPREVIOUS and its key stays published until its tokens expire` : ""}\n` +
            `check the published keys with 'rajee keys status --secret <JWKS secret ARN>'\n`,
        );
        return 0;
      }
      if (!stages.includes("AWSPENDING")) {
        throw new Error(`rotation of version ${version} was abandoned (its AWSPENDING label was removed); the signing key is unchanged`);
      }
      if (elapsed >= timeout) {
        throw new Error(
          `rotation did not finish within ${timeout} s: version ${version} is still AWSPENDING. The rotation function retries failed steps; ` +
            `look for "event":"rotation_failed" in its log group (docs/operations.md, "A rotation is stuck")`,
        );
      }
    }
  },
};
