import { DEFAULT_REFRESH_INTERVAL_SECONDS } from "../../handlers/authorizer/config";
import { AUTHORIZER_VARIABLES } from "../../src/contracts/authorizer-environment";
import { editDenyList, mergeDenyLists, type DenyListEdit, type Revocations } from "../../src/revocation/deny-list-document";
import { parseOptions, UsageError, type Command, type CommandIO } from "../command";
import { denyListSecret, readVersion, SECRET_HELP, SECRET_OPTIONS, versionStages, writeVersion, type DenyListSecret, type SecretVersion } from "./token-revoke-secret";

const HELP = `Usage: rajee token revoke --secret ARN|NAME (--jti ID | --sub SUBJECT)... [--undo] [--region REGION]

Revokes tokens: adds each --jti (one token) and --sub (every token of that subject, including
tokens issued later) to the gateway's deny list, the Secrets Manager secret every authorizer polls,
and writes it as a new AWSCURRENT version. Entries already revoked are left as they are, so running
it twice changes nothing. A revoked token is refused with 400 InvalidToken within one poll
interval of the authorizers (${AUTHORIZER_VARIABLES.keyRefreshSeconds}, ${DEFAULT_REFRESH_INTERVAL_SECONDS} s by default).

Options:
${SECRET_HELP}
  --jti ID            a token's 'jti' claim ('rajee token inspect' shows it; the issuer logs it)
  --sub SUBJECT       a token's 'sub' claim: revokes every token of that subject until undone
  --undo              remove the given entries instead: the tokens work again (until they expire)

The list is checked with the authorizer's own parser before it is written, so a list the
authorizers would refuse is never written. Credentials come from the usual AWS chain
(AWS_PROFILE, AWS_ACCESS_KEY_ID, SSO, ...); the caller needs secretsmanager:GetSecretValue,
PutSecretValue and DescribeSecret on the secret, and kms:Decrypt and kms:GenerateDataKey on its
key. AWS_ENDPOINT_URL_SECRETS_MANAGER (or AWS_ENDPOINT_URL) sends the calls to another endpoint,
as with the aws cli. See docs/operations.md, "Revoking a token".
`;

/** How many times a write that raced another one is merged and written again before giving up. */
const MAX_MERGES = 3;

const describeIds = (r: Revocations) => [...r.jtis.map((id) => `jti ${id}`), ...r.subs.map((id) => `sub ${id}`)];

/**
 * Writes `edit` over `read`, then checks that the version it replaced is the one it read. When
 * another write landed in between (two operators at once), that write's entries would be lost: the
 * two lists are merged, the request applied again, and the result written again.
 */
async function write(secret: DenyListSecret, read: SecretVersion, first: DenyListEdit, request: Revocations, mode: "revoke" | "undo", io: CommandIO): Promise<{ version: string; edit: DenyListEdit }> {
  let base = read;
  let edit = first;
  for (let attempt = 0; ; attempt++) {
    const version = await writeVersion(secret, base.arn, edit.document);
    const stages = await versionStages(secret, base.arn);
    const previous = Object.entries(stages).find(([, s]) => s.includes("AWSPREVIOUS"))?.[0];
    const current = Object.entries(stages).find(([, s]) => s.includes("AWSCURRENT"))?.[0];
    // A later write (current is not ours) was made from ours or checks for itself; only an earlier one is ours to merge.
    if (current !== version || previous === undefined || previous === base.versionId) return { version, edit };
    if (attempt + 1 >= MAX_MERGES) {
      throw new Error(`version ${previous} was written between this command's read and write ${MAX_MERGES} times in a row; run 'rajee token revoked --secret ${secret.id}' and revoke again`);
    }
    io.stderr(`version ${previous} was written while this command ran; merging its entries and writing again\n`);
    const other = await readVersion(secret, { id: previous });
    const merged = mergeDenyLists([
      { text: other.text, source: `secret ${base.arn} version ${previous}` },
      { text: edit.document, source: `secret ${base.arn} version ${version}` },
    ]);
    base = { arn: base.arn, versionId: version, text: edit.document };
    edit = editDenyList(merged, `secret ${base.arn} (merged)`, request, mode);
  }
}

export const tokenRevoke: Command = {
  path: ["token", "revoke"],
  summary: "revoke tokens by jti or subject in the deployed deny list (or --undo)",
  help: HELP,
  async run(args, io) {
    const { values } = parseOptions(args, { ...SECRET_OPTIONS, jti: { type: "string", multiple: true }, sub: { type: "string", multiple: true }, undo: { type: "boolean" } });
    const request: Revocations = { jtis: values.jti ?? [], subs: values.sub ?? [] };
    if (request.jtis.length + request.subs.length === 0) throw new UsageError("give at least one --jti ID or --sub SUBJECT");
    const mode = values.undo ? "undo" : "revoke";
    const secret = denyListSecret(values, io);

    const read = await readVersion(secret);
    const edit = editDenyList(read.text, `secret ${read.arn}`, request, mode);
    const unchanged = describeIds(edit.unchanged);
    if (unchanged.length > 0) io.stdout(`${mode === "revoke" ? "already revoked" : "not revoked"}: ${unchanged.join(", ")}\n`);
    const changed = describeIds(edit.changed);
    if (changed.length === 0) {
      io.stdout(`nothing to write: ${read.arn} version ${read.versionId} stays current\n`);
      return 0;
    }
    const written = await write(secret, read, edit, request, mode, io);
    io.stdout(
      `${mode === "revoke" ? "revoked" : "no longer revoked"}: ${changed.join(", ")}\n` +
        `wrote ${read.arn} version ${written.version} (${written.edit.list.jtis.size} jtis, ${written.edit.list.subs.size} subs)\n` +
        `the authorizers apply it within one poll interval (${AUTHORIZER_VARIABLES.keyRefreshSeconds}, ${DEFAULT_REFRESH_INTERVAL_SECONDS} s by default)\n`,
    );
    return 0;
  },
};
