import { parseDenyList } from "../../handlers/authorizer/deny-list";
import { parseOptions, type Command } from "../command";
import { denyListSecret, readVersion, SECRET_HELP, SECRET_OPTIONS } from "./token-revoke-secret";

const HELP = `Usage: rajee token revoked --secret ARN|NAME [--region REGION] [--json]

Lists what the gateway's deny list revokes: its AWSCURRENT version, read with the authorizer's own
parser (a list the authorizers would refuse is reported as such). One line per entry, 'jti ID' or
'sub SUBJECT', sorted; --json prints {"jtis": [...], "subs": [...]} instead.

Options:
${SECRET_HELP}
  --json              print the list as JSON

The caller needs secretsmanager:GetSecretValue on the secret and kms:Decrypt on its key.
See docs/operations.md, "Revoking a token".
`;

export const tokenRevoked: Command = {
  path: ["token", "revoked"],
  summary: "list the tokens and subjects the deployed deny list revokes",
  help: HELP,
  async run(args, io) {
    const { values } = parseOptions(args, { ...SECRET_OPTIONS, json: { type: "boolean" } });
    const secret = denyListSecret(values, io);
    const read = await readVersion(secret);
    const list = parseDenyList(read.text, `secret ${read.arn} version ${read.versionId}`);
    const jtis = [...list.jtis].sort();
    const subs = [...list.subs].sort();
    if (values.json) {
      io.stdout(`${JSON.stringify({ jtis, subs })}\n`);
      return 0;
    }
    io.stderr(`${read.arn} version ${read.versionId}: ${jtis.length} jtis, ${subs.length} subs\n`);
    io.stdout([...jtis.map((id) => `jti ${id}\n`), ...subs.map((id) => `sub ${id}\n`)].join(""));
    return 0;
  },
};
