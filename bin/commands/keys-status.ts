import { SHARED_VARIABLES } from "../../src/contracts/environment";
import { GetSecretValueCommand } from "@aws-sdk/client-secrets-manager";
import { keyStatuses, type KeyStatus, overlapSeconds } from "../../src/keys/jwks-plan";
import { parseJwksText, type Jwks } from "../../src/keys/jwks";
import { DEFAULT_CLOCK_SKEW_SECONDS, DEFAULT_MAX_LIFETIME_SECONDS } from "../../src/token/policy";
import { parseOptions, UsageError, type Command } from "../command";
import { readOptionFile } from "../read-input";
import { explainAwsError, secretArnOption, secretsClient } from "./keys-rotate";

const HELP = `Usage: rajee keys status (--secret ARN | --jwks FILE) [--json] [--max-lifetime SECONDS] [--skew SECONDS] [--now TIME]

Shows the published signing keys: kid, state (current signs, pending is published and about to sign,
previous no longer signs), age, when it retired, and from when rotation may remove it (retirement +
maximum token lifetime + clock skew). Reads only the public JWKS, never the private key.

Options:
  --secret ARN            the JWKS secret (terraform output jwks_secret_arn); region from the ARN
  --jwks FILE             a JWKS file instead
  --json                  machine-readable output
  --max-lifetime SECONDS  maximum token lifetime (env RAJEE_MAX_TOKEN_LIFETIME_SECONDS, default ${DEFAULT_MAX_LIFETIME_SECONDS})
  --skew SECONDS          clock skew (env RAJEE_CLOCK_SKEW_SECONDS, default ${DEFAULT_CLOCK_SKEW_SECONDS})
  --now TIME              show ages as of this ISO 8601 time (default now)

With --secret, credentials come from the usual AWS chain and AWS_ENDPOINT_URL_SECRETS_MANAGER (or
AWS_ENDPOINT_URL) sends the call to another endpoint, as with the aws cli.
`;

function wholeSeconds(value: string | undefined, name: string, fallback: number): number {
  if (value === undefined || value === "") return fallback;
  if (!/^\d+$/.test(value)) throw new UsageError(`${name} ${value} is not a whole number of seconds`);
  return Number(value);
}

/** `45s`, `12m`, `3h 5m`, `4d 2h`. */
export function formatAge(seconds: number): string {
  if (seconds < 60) return `${seconds}s`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)}m`;
  if (seconds < 86400) return `${Math.floor(seconds / 3600)}h ${Math.floor((seconds % 3600) / 60)}m`;
  return `${Math.floor(seconds / 86400)}d ${Math.floor((seconds % 86400) / 3600)}h`;
}

const iso = (epoch: number | undefined) => (epoch === undefined ? "-" : new Date(epoch * 1000).toISOString().replace(".000Z", "Z"));

function table(rows: readonly KeyStatus[], now: number): string {
  const header = ["KID", "STATE", "AGE", "RETIRED_AT", "REMOVABLE_AFTER"];
  const cells = rows.map((r) => [
    r.kid,
    r.state,
    r.ageSeconds === undefined ? "unknown" : formatAge(r.ageSeconds),
    iso(r.retiredAt),
    r.removableAt === undefined ? "-" : `${iso(r.removableAt)}${r.removableAt <= now ? " (due)" : ""}`,
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => (c[i] ?? "").length)));
  return [header, ...cells].map((line) => line.map((cell, i) => (i === line.length - 1 ? cell : cell.padEnd(widths[i] ?? 0))).join("  ")).join("\n") + "\n";
}

async function readJwks(values: { secret?: string | undefined; jwks?: string | undefined }): Promise<Jwks> {
  if ((values.secret === undefined) === (values.jwks === undefined)) throw new UsageError("pass exactly one of --secret ARN or --jwks FILE");
  if (values.jwks !== undefined) return parseJwksText((await readOptionFile(values.jwks, "jwks")).toString("utf8"), `--jwks ${values.jwks}`);
  const { text: secret, arn } = secretArnOption(values.secret);
  let value: string | undefined;
  try {
    value = (await secretsClient(arn).send(new GetSecretValueCommand({ SecretId: secret }))).SecretString;
  } catch (error) {
    throw explainAwsError(error, "GetSecretValue", secret);
  }
  if (value === undefined) throw new Error(`${secret} holds a binary value, not a JWKS; is it the JWKS secret?`);
  return parseJwksText(value, `JWKS secret ${secret}`);
}

export const keysStatus: Command = {
  path: ["keys", "status"],
  summary: "show published signing keys: kid, state, age, retirement",
  help: HELP,
  async run(args, io) {
    const { values } = parseOptions(args, {
      secret: { type: "string" },
      jwks: { type: "string" },
      json: { type: "boolean" },
      "max-lifetime": { type: "string" },
      skew: { type: "string" },
      now: { type: "string" },
    });
    const maxLifetime = wholeSeconds(values["max-lifetime"] ?? io.env[SHARED_VARIABLES.maxTokenLifetimeSeconds], "--max-lifetime", DEFAULT_MAX_LIFETIME_SECONDS);
    const skew = wholeSeconds(values.skew ?? io.env[SHARED_VARIABLES.clockSkewSeconds], "--skew", DEFAULT_CLOCK_SKEW_SECONDS);
    const overlap = overlapSeconds({ maxTokenLifetimeSeconds: maxLifetime, clockSkewSeconds: skew });
    const nowMs = values.now === undefined ? Date.now() : Date.parse(values.now);
    if (Number.isNaN(nowMs)) throw new UsageError(`--now ${values.now} is not an ISO 8601 time (e.g. 2030-01-01T00:00:00Z)`);
    const now = Math.floor(nowMs / 1000);
    const jwks = await readJwks(values);
    const rows = keyStatuses(jwks, now, overlap);

    if (values.json) {
      io.stdout(`${JSON.stringify({ now, overlapSeconds: overlap, keys: rows }, null, 2)}\n`);
    } else if (rows.length === 0) {
      io.stdout("no keys published yet: the first rotation creates the first key (docs/operations.md, \"First key\")\n");
    } else {
      io.stdout(table(rows, now));
    }
    const current = rows.filter((r) => r.state === "current").length;
    if (rows.length > 0 && current !== 1) {
      io.stderr(`warning: ${current} keys are marked current; expected exactly 1. The next rotation's setSecret repairs the states (docs/operations.md)\n`);
    }
    return 0;
  },
};
