import { parseDurationSeconds } from "../../src/duration";
import type { PrivateSigningKey } from "../../src/keys/generate";
import { SUPPORTED_ALGORITHMS } from "../../src/keys/jwks";
import { mintToken } from "../../src/token/mint";
import { DEFAULT_MAX_LIFETIME_SECONDS } from "../../src/token/policy";
import { parseOptions, requireOption, UsageError, type Command } from "../command";
import { ISSUER_AUDIENCE_HELP, ISSUER_AUDIENCE_OPTIONS, issuerAndAudience } from "../common-options";
import { readJsonOption } from "../read-input";

const HELP = `Usage: rajee token mint --key FILE --sub SUBJECT --grant GRANT [--grant GRANT...] [--ttl 15m]

Signs a token and prints it (one line). Grants use the grammar <access>:<bucket>/<path>:
  read:data/reports/        read keys under reports/ in bucket data
  list:data/reports/        list under reports/
  write:data/inbox/2024*    write keys starting with inbox/2024
  *:scratch/                everything on bucket scratch
  read:data/a.csv           one exact key
Access is read, list, write, delete or *. A bad grant is refused before anything is signed.

Presigned URLs carry the whole token: until the token expires, anyone holding the URL can drop its
X-Amz-Date/X-Amz-Expires and use the token for any operation it grants. For a URL you share,
mint a token with a short --ttl and only the one grant the URL needs (docs/security.md).

Options:
  --key FILE          private JWK (e.g. from 'rajee keys generate')
  --sub SUBJECT       who the token is for
  --grant GRANT       repeatable
  --ttl DURATION      lifetime: 900, 900s, 15m, 12h (default 15m; verifiers refuse over 12h by default)
  --jti ID            token id (default: a random UUID); used for revocation
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
    const key = privateKeyFrom(await readJsonOption(keyPath, "key"), keyPath);
    const token = await mintToken({
      key,
      subject,
      grants: values.grant,
      ttlSeconds,
      ...issuerAndAudience(values, io),
      ...(values.jti === undefined ? {} : { jti: values.jti }),
    });
    io.stdout(`${token}\n`);
    return 0;
  },
};
