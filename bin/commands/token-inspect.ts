import { decodeJwt, decodeProtectedHeader } from "jose";
import { tokenFingerprint } from "../../src/token/fingerprint";
import { UsageError, parseOptions, type Command } from "../command";

const HELP = `Usage: rajee token inspect JWT

Prints the token's header and claims WITHOUT verifying the signature, and its fingerprint (the first
12 hex digits of its SHA-256, which is what gateway logs show instead of the token).
Use 'rajee simulate' to check whether a gateway would accept it.
`;

export const tokenInspect: Command = {
  path: ["token", "inspect"],
  summary: "show a token's header, claims and fingerprint (unverified)",
  help: HELP,
  async run(args, io) {
    const { positionals } = parseOptions(args, {}, true);
    if (positionals.length !== 1) throw new UsageError("give exactly one token");
    const token = (positionals[0] as string).trim();
    let header: unknown;
    let claims: Record<string, unknown>;
    try {
      header = decodeProtectedHeader(token);
      claims = decodeJwt(token);
    } catch (error) {
      throw new Error(`not a JWT: ${(error as Error).message}`, { cause: error });
    }
    const now = Math.floor(Date.now() / 1000);
    const report = {
      verified: false,
      note: "signature NOT verified; use 'rajee simulate' to check a request against the gateway's keys",
      fingerprint: tokenFingerprint(token),
      header,
      claims,
      ...(typeof claims.exp === "number" ? { expiresInSeconds: claims.exp - now } : {}),
    };
    io.stdout(`${JSON.stringify(report, null, 2)}\n`);
    return 0;
  },
};
