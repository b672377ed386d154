import { tokenSizeProblem } from "../../src/contracts/gateway";
import { parseDurationSeconds } from "../../src/duration";
import type { PrivateSigningKey } from "../../src/keys/generate";
import { SUPPORTED_ALGORITHMS } from "../../src/keys/jwks";
import { parseBindingPublicKey } from "../../src/token/binding";
import { issueCredentials, type IssuedCredentials } from "../../src/token/credentials";
import { DEFAULT_MAX_LIFETIME_SECONDS } from "../../src/token/policy";
import { parseOptions, requireOption, UsageError, type Command } from "../command";
import { ISSUER_AUDIENCE_HELP, ISSUER_AUDIENCE_OPTIONS, issuerAndAudience } from "../common-options";
import { readJsonOption } from "../read-input";

const HELP = `Usage: rajee token mint --key FILE --sub SUBJECT --grant GRANT [--grant GRANT...] [--ttl 15m]
                        [--binding-key FILE] [--format token|credentials|env]

Signs a token and prints it (one line), or the credentials around it. Grants use the grammar <access>:<bucket>/<path>:
  read:data/reports/        read keys under reports/ in bucket data
  list:data/reports/        list under reports/
  write:data/inbox/2024*    write keys starting with inbox/2024
  *:scratch/                everything on bucket scratch
  read:data/a.csv           one exact key
Access is read, list, write, delete or *. A bad grant is refused before anything is signed.

With --binding-key (the authorizers' public binding key), the token is bound to a fresh access key
id and secret: it is sealed into the token's cnf claim, which only the authorizers can open, and
they accept the token only in requests signed (SigV4) with that secret. Use --format credentials or
env to get all three; a bound token alone grants nothing. Without --binding-key the token is a
bearer token, refused by gateways whose clientSignatures is "required" (docs/security.md).

Formats:
  token         the JWT only (default)
  credentials   {"AccessKeyId","SecretAccessKey","SessionToken","Expiration"} JSON, as
                credential_process and the issuer return it
  env           export AWS_ACCESS_KEY_ID=... lines for a shell

Options:
  --key FILE          private JWK (e.g. from 'rajee keys generate')
  --sub SUBJECT       who the token is for
  --grant GRANT       repeatable
  --ttl DURATION      lifetime: 900, 900s, 15m, 12h (default 15m; verifiers refuse over 12h by default)
  --jti ID            token id (default: a random UUID); used for revocation
  --binding-key FILE  the authorizers' public binding JWK (EC P-256, ECDH-ES+A256KW)
  --format FORMAT     token, credentials or env (default token)
${ISSUER_AUDIENCE_HELP}
`;

function privateKeyFrom(document: unknown, path: string): PrivateSigningKey {
  const key = document as Partial<PrivateSigningKey> | null;
  if (typeof key !== "object" || key === null || typeof key.d !== "string") throw new Error(`--key ${path}: not a private JWK (no "d")`);
  if (typeof key.kid !== "string" || key.kid === "") throw new Error(`--key ${path}: the key has no "kid"; verifiers require one`);
  if (!(SUPPORTED_ALGORITHMS as readonly string[]).includes(key.alg as string)) {
    throw new Error(`--key ${path}: alg ${JSON.stringify(key.alg)} is not supported; use ${SUPPORTED_ALGORITHMS.join(" or ")}`);
  }
  return key as PrivateSigningKey;
}

const FORMATS = ["token", "credentials", "env"] as const;
type Format = (typeof FORMATS)[number];

/** Single-quotes a value for a POSIX shell. */
function shellQuote(value: string): string {
  return `'${value.replace(/'/g, "'\\''")}'`;
}

/** The issued credentials in the requested format, newline-terminated. */
function formatCredentials(issued: IssuedCredentials, format: Format): string {
  if (format === "token") return `${issued.sessionToken}\n`;
  if (format === "credentials") {
    const document = {
      Version: 1,
      AccessKeyId: issued.accessKeyId,
      SecretAccessKey: issued.secretAccessKey,
      SessionToken: issued.sessionToken,
      Expiration: issued.expiration.toISOString(),
    };
    return `${JSON.stringify(document)}\n`;
  }
  return [
    `export AWS_ACCESS_KEY_ID=${shellQuote(issued.accessKeyId)}`,
    `export AWS_SECRET_ACCESS_KEY=${shellQuote(issued.secretAccessKey)}`,
    `export AWS_SESSION_TOKEN=${shellQuote(issued.sessionToken)}`,
    "",
  ].join("\n");
}

export const tokenMint: Command = {
  path: ["token", "mint"],
  summary: "sign a token with grants",
  help: HELP,
  async run(args, io) {
    const { values } = parseOptions(args, {
      key: { type: "string" },
      sub: { type: "string" },
      grant: { type: "string", multiple: true },
      ttl: { type: "string" },
      jti: { type: "string" },
      "binding-key": { type: "string" },
      format: { type: "string" },
      ...ISSUER_AUDIENCE_OPTIONS,
    });
    const keyPath = requireOption(values.key, "key");
    const subject = requireOption(values.sub, "sub");
    if (!values.grant || values.grant.length === 0) throw new UsageError("at least one --grant is required");
    const ttlText = values.ttl ?? "15m";
    const ttlSeconds = parseDurationSeconds(ttlText);
    if (ttlSeconds === undefined || ttlSeconds === 0) throw new UsageError(`--ttl ${ttlText} is not a duration; use e.g. 900, 15m or 2h`);
    if (ttlSeconds > DEFAULT_MAX_LIFETIME_SECONDS) {
      io.stderr(`warning: --ttl ${ttlText} is over ${DEFAULT_MAX_LIFETIME_SECONDS / 3600}h; gateways with the default maximum lifetime will refuse it\n`);
    }
    const format = (values.format ?? "token") as Format;
    if (!FORMATS.includes(format)) throw new UsageError(`--format ${values.format}: use one of ${FORMATS.join(", ")}`);
    const key = privateKeyFrom(await readJsonOption(keyPath, "key"), keyPath);
    const bindingPath = values["binding-key"];
    const binding = bindingPath === undefined ? undefined : parseBindingPublicKey(await readJsonOption(bindingPath, "binding-key"), `--binding-key ${bindingPath}`);
    if (binding === undefined && format !== "token") {
      io.stderr("warning: without --binding-key the secret is not bound to the token: the token alone grants access (a bearer token)\n");
    }
    const issued = await issueCredentials({
      key,
      subject,
      grants: values.grant,
      ttlSeconds,
      ...issuerAndAudience(values, io),
      ...(values.jti === undefined ? {} : { jti: values.jti }),
      ...(binding === undefined ? {} : { binding }),
    });
    const tooLarge = tokenSizeProblem(Buffer.byteLength(issued.sessionToken, "utf8"), values.grant.length);
    if (tooLarge !== undefined) throw new UsageError(tooLarge);
    io.stdout(formatCredentials(issued, format));
    return 0;
  },
};
