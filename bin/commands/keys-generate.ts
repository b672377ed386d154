import { existsSync } from "node:fs";
import { chmod, mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { generateSigningKeyPair } from "../../src/keys/generate";
import type { SigningAlgorithm } from "../../src/keys/jwks";
import { parseOptions, requireOption, UsageError, type Command } from "../command";

const HELP = `Usage: rajee keys generate --out DIR [--alg EdDSA|ES256] [--force]

Makes a signing key pair for local use and tests:
  DIR/private.jwk.json   the private key (JWK with kid and alg), mode 0600: keep it secret
  DIR/jwks.json          the public JWKS that verifiers load (RAJEE_JWKS_FILE)

Options:
  --out DIR      folder to write into (created if missing)
  --alg ALG      EdDSA (Ed25519, default) or ES256
  --force        overwrite existing files (default: refuse, so no key is lost)
`;

export const keysGenerate: Command = {
  path: ["keys", "generate"],
  summary: "make a signing key pair (private JWK + public JWKS)",
  help: HELP,
  async run(args, io) {
    const { values } = parseOptions(args, { out: { type: "string" }, alg: { type: "string" }, force: { type: "boolean" } });
    const out = requireOption(values.out, "out");
    const alg = values.alg ?? "EdDSA";
    if (alg !== "EdDSA" && alg !== "ES256") throw new UsageError(`--alg ${alg} is not supported; use EdDSA or ES256`);
    const privatePath = join(out, "private.jwk.json");
    const jwksPath = join(out, "jwks.json");
    const existing = [privatePath, jwksPath].filter((path) => existsSync(path));
    if (existing.length > 0 && !values.force) {
      throw new Error(`${existing.join(" and ")} already exist${existing.length === 1 ? "s" : ""}; pass --force to overwrite or choose another --out`);
    }
    const { privateKey, publicKey } = await generateSigningKeyPair(alg as SigningAlgorithm);
    await mkdir(out, { recursive: true });
    await writeFile(privatePath, `${JSON.stringify(privateKey, null, 2)}\n`, { mode: 0o600 });
    await chmod(privatePath, 0o600);
    await writeFile(jwksPath, `${JSON.stringify({ keys: [publicKey] }, null, 2)}\n`);
    io.stdout(`wrote ${privatePath} (private, kid ${privateKey.kid})\nwrote ${jwksPath}\n`);
    return 0;
  },
};
