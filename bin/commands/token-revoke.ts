import { randomUUID } from "node:crypto";
import { DEFAULT_REFRESH_INTERVAL_SECONDS } from "../../handlers/authorizer/config";
import { AUTHORIZER_VARIABLES } from "../../src/contracts/authorizer-environment";
import { DEFAULT_MAX_ATTEMPTS, swapDocument } from "../../src/revocation/compare-and-swap";
import { editDenyList, type Revocations } from "../../src/revocation/deny-list-document";
import { pendingLabel } from "../../src/revocation/pending-label";
import { parseOptions, UsageError, type Command } from "../command";
import { denyListSecret, denyListStore, SECRET_HELP, SECRET_OPTIONS } from "./token-revoke-secret";

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
authorizers would refuse is never written. The write is a compare-and-swap: the new version is
written under a label of its own, then AWSCURRENT is moved to it only if it is still on the version
read; when another write landed in between, the command reads the list again and retries (up to
${DEFAULT_MAX_ATTEMPTS} attempts), so commands run at once never lose each other's entries, and what it prints
is what the version it replaced became. Credentials come from the usual AWS chain (AWS_PROFILE,
AWS_ACCESS_KEY_ID, SSO, ...); the caller needs secretsmanager:GetSecretValue, PutSecretValue,
UpdateSecretVersionStage and DescribeSecret on the secret, and kms:Decrypt and kms:GenerateDataKey
on its key. AWS_ENDPOINT_URL_SECRETS_MANAGER (or AWS_ENDPOINT_URL) sends the calls to another
endpoint, as with the aws cli. See docs/operations.md, "Revoking a token".
`;

const describeIds = (r: Revocations) => [...r.jtis.map((id) => `jti ${id}`), ...r.subs.map((id) => `sub ${id}`)];

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

    // What is printed comes from the attempt that succeeded, so it describes the version replaced.
    const swap = await swapDocument(
      denyListStore(secret),
      (current) => {
        const edit = editDenyList(current.text, `secret ${current.arn}`, request, mode);
        return { document: describeIds(edit.changed).length > 0 ? edit.document : undefined, result: edit };
      },
      {
        target: `secret ${secret.id}`,
        label: pendingLabel(Date.now(), randomUUID()),
        onRetry: (r) => io.stderr(`version ${r.read} stopped being current while this command ran (another write); reading the list again and retrying (attempt ${r.attempt + 1} of ${r.maxAttempts})\n`),
        onWarning: (message) => io.stderr(`warning: ${message}\n`),
      },
    );
    const { result: edit, basis } = swap;
    const unchanged = describeIds(edit.unchanged);
    if (unchanged.length > 0) io.stdout(`${mode === "revoke" ? "already revoked" : "not revoked"}: ${unchanged.join(", ")}\n`);
    if (!swap.written) {
      io.stdout(`nothing to write: ${basis.arn} version ${basis.versionId} stays current\n`);
      return 0;
    }
    io.stdout(
      `${mode === "revoke" ? "revoked" : "no longer revoked"}: ${describeIds(edit.changed).join(", ")}\n` +
        `wrote ${basis.arn} version ${swap.versionId} (${edit.list.jtis.size} jtis, ${edit.list.subs.size} subs), replacing version ${basis.versionId}\n` +
        `the authorizers apply it within one poll interval (${AUTHORIZER_VARIABLES.keyRefreshSeconds}, ${DEFAULT_REFRESH_INTERVAL_SECONDS} s by default)\n`,
    );
    return 0;
  },
};
