import { existsSync } from "node:fs";
import { chmod, mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { bindingPublicPart, generateBindingKeyPair, parseBindingPrivateKey, type BindingPrivateKey } from "../../src/token/binding";
import { parseOptions, requireOption, type Command } from "../command";

const HELP = `Usage: rajee keys binding --out DIR [--add | --force]

Makes a binding key pair (EC P-256, ECDH-ES+A256KW) for proof of possession: tokens issued with
credentials carry their secret sealed to the public half, which only authorizers holding the
private half can open (docs/security.md, "Proof of possession").
  DIR/binding-keys.json        {"keys": [private JWK, ...]}, mode 0600: the authorizer's
                               RAJEE_BINDING_KEYS_FILE; keep it secret
  DIR/binding.public.jwk.json  the newest public key: 'rajee token mint --binding-key'

Options:
  --out DIR   folder to write into (created if missing)
  --add       rotate: put a new key first and keep the existing ones, so tokens sealed to them
              still verify; remove an old key once the longest token lifetime has passed
  --force     replace existing files with one new key (tokens sealed to the old keys stop working)
`;

export const keysBinding: Command = {
  path: ["keys", "binding"],
  summary: "make or rotate a binding key pair (proof of possession)",
  help: HELP,
  async run(args, io) {
    const { values } = parseOptions(args, { out: { type: "string" }, add: { type: "boolean" }, force: { type: "boolean" } });
    const out = requireOption(values.out, "out");
    const privatePath = join(out, "binding-keys.json");
    const publicPath = join(out, "binding.public.jwk.json");
    let kept: BindingPrivateKey[] = [];
    if (existsSync(privatePath) && values.add) {
      let document: unknown;
      try {
        document = JSON.parse(await readFile(privatePath, "utf8"));
      } catch {
        throw new Error(`${privatePath}: not valid JSON; fix it or pass --force to start over`);
      }
      const list = (document as { keys?: unknown } | null)?.keys;
      if (!Array.isArray(list)) throw new Error(`${privatePath}: not a binding-key document ({"keys": [...]})`);
      kept = list.map((key, i) => parseBindingPrivateKey(key, `${privatePath}: keys[${i}]`));
    } else {
      const existing = [privatePath, publicPath].filter((path) => existsSync(path));
      if (existing.length > 0 && !values.force) {
        throw new Error(`${existing.join(" and ")} already exist${existing.length === 1 ? "s" : ""}; pass --add to rotate, --force to replace, or choose another --out`);
      }
    }
    const { privateKey } = await generateBindingKeyPair();
    await mkdir(out, { recursive: true });
    await writeFile(privatePath, `${JSON.stringify({ keys: [privateKey, ...kept] }, null, 2)}\n`, { mode: 0o600 });
    await chmod(privatePath, 0o600);
    await writeFile(publicPath, `${JSON.stringify(bindingPublicPart(privateKey), null, 2)}\n`);
    io.stdout(`wrote ${privatePath} (private, kid ${privateKey.kid}${kept.length > 0 ? `, keeping ${kept.map((k) => k.kid).join(", ")}` : ""})\nwrote ${publicPath}\n`);
    return 0;
  },
};
