import { randomUUID } from "node:crypto";
import { DescribeSecretCommand, GetSecretValueCommand, PutSecretValueCommand, SecretsManagerClient, UpdateSecretVersionStageCommand } from "@aws-sdk/client-secrets-manager";
import { AWSCURRENT } from "../../handlers/rotation/event";
import { isRegion, parseSecretArn, REGION_EXAMPLE, SECRET_ARN_FORMAT } from "../../src/contracts/aws-names";
import type { VersionStore } from "../../src/revocation/compare-and-swap";
import { requireOption, UsageError, type CommandIO } from "../command";
import { explainAwsError } from "./keys-rotate";

/**
 * The deny-list secret as `rajee token revoke` and `rajee token revoked` reach it: the thin shell
 * around src/revocation/deny-list-document.ts and src/revocation/compare-and-swap.ts. Reads the
 * AWSCURRENT version and writes a new one by compare-and-swap, through the default credential
 * chain; AWS_ENDPOINT_URL_SECRETS_MANAGER (or AWS_ENDPOINT_URL) sends the calls elsewhere, as with
 * the aws cli.
 */

/** `--secret` and `--region`, as both commands take them. */
export const SECRET_OPTIONS = { secret: { type: "string" }, region: { type: "string" } } as const;

export const SECRET_HELP = `  --secret ARN|NAME   the deny-list secret (terraform output deny_list_secret_arn, or its name
                      rajee-<env>/revocation/deny-list)
  --region REGION     region of a secret given by name (default AWS_REGION, AWS_DEFAULT_REGION,
                      then the profile's); an ARN carries its own`;

/** Where the deny list lives and the client that reaches it. */
export interface DenyListSecret {
  /** As given: an ARN or a name. */
  readonly id: string;
  readonly client: SecretsManagerClient;
}

/** Parses `--secret` and `--region`; the region of an ARN is the ARN's, and a different `--region` is refused. */
export function denyListSecret(values: { secret?: string | undefined; region?: string | undefined }, io: CommandIO): DenyListSecret {
  const id = requireOption(values.secret, "secret");
  if (id.startsWith("arn:")) {
    const arn = parseSecretArn(id);
    if (!arn) throw new UsageError(`--secret ${id} is not a secret ARN; use ${SECRET_ARN_FORMAT}, or the secret's name`);
    if (values.region !== undefined && values.region !== arn.region) throw new UsageError(`--region ${values.region} differs from the ARN's region ${arn.region}; leave --region out`);
    return { id, client: new SecretsManagerClient({ region: arn.region }) };
  }
  if (!/^[A-Za-z0-9/_+=.@-]{1,512}$/.test(id)) throw new UsageError(`--secret ${JSON.stringify(id)} is neither a secret ARN nor a secret name; use e.g. rajee-prod/revocation/deny-list`);
  const region = values.region ?? io.env.AWS_REGION ?? io.env.AWS_DEFAULT_REGION;
  if (region !== undefined && !isRegion(region)) throw new UsageError(`--region ${region} is not an AWS region; use e.g. ${REGION_EXAMPLE}`);
  return { id, client: new SecretsManagerClient(region === undefined ? {} : { region }) };
}

/** One version of the secret. */
export interface SecretVersion {
  /** The secret's full ARN, as Secrets Manager reports it. */
  readonly arn: string;
  readonly versionId: string;
  readonly text: string;
}

/** The version with `id`, or holding `stage` (AWSCURRENT unless told). */
export async function readVersion(secret: DenyListSecret, version: { readonly stage: string } | { readonly id: string } = { stage: AWSCURRENT }): Promise<SecretVersion> {
  let output;
  try {
    output = await secret.client.send(new GetSecretValueCommand({ SecretId: secret.id, ...("id" in version ? { VersionId: version.id } : { VersionStage: version.stage }) }));
  } catch (error) {
    throw explainAwsError(error, "GetSecretValue", secret.id);
  }
  if (typeof output.SecretString !== "string" || output.ARN === undefined || output.VersionId === undefined) {
    throw new Error(`${secret.id} has no ${"id" in version ? `version ${version.id}` : version.stage} string value; the deny list is a JSON string {"jtis": [...], "subs": [...]}`);
  }
  return { arn: output.ARN, versionId: output.VersionId, text: output.SecretString };
}

/**
 * The deny list as src/revocation/compare-and-swap.ts needs it: reads of AWSCURRENT, writes under a
 * pending label, and the conditional move of AWSCURRENT (UpdateSecretVersionStage with
 * RemoveFromVersionId). Secrets Manager refuses a move whose RemoveFromVersionId does not hold the
 * label. Its API reference names no error for that case (moto 5.2.1 answers
 * InvalidParameterException), so both of its "request not carried out" errors,
 * InvalidParameterException and InvalidRequestException, are reported as `moved: false`, and the
 * swap tells a race from any other refusal by reading AWSCURRENT again. Other errors (access
 * denied, throttling after the SDK's retries) throw.
 */
export function denyListStore(secret: DenyListSecret): VersionStore<SecretVersion> {
  const call = async <T>(action: string, run: () => Promise<T>): Promise<T> => {
    try {
      return await run();
    } catch (error) {
      throw explainAwsError(error, action, secret.id);
    }
  };
  return {
    current: () => readVersion(secret),
    stage: (text, label) =>
      call("PutSecretValue", async () => {
        const output = await secret.client.send(new PutSecretValueCommand({ SecretId: secret.id, SecretString: text, ClientRequestToken: randomUUID(), VersionStages: [label] }));
        if (output.VersionId === undefined) throw new Error("PutSecretValue returned no VersionId");
        return output.VersionId;
      }),
    async promote(from, to) {
      try {
        await secret.client.send(new UpdateSecretVersionStageCommand({ SecretId: secret.id, VersionStage: AWSCURRENT, RemoveFromVersionId: from, MoveToVersionId: to }));
        return { moved: true };
      } catch (error) {
        const name = (error as Error).name;
        if (name === "InvalidParameterException" || name === "InvalidRequestException") return { moved: false, reason: `${name}: ${(error as Error).message}` };
        throw explainAwsError(error, "UpdateSecretVersionStage", secret.id);
      }
    },
    unlabel: (label, versionId) => call("UpdateSecretVersionStage", async () => void (await secret.client.send(new UpdateSecretVersionStageCommand({ SecretId: secret.id, VersionStage: label, RemoveFromVersionId: versionId })))),
    labels: () => call("DescribeSecret", async () => (await secret.client.send(new DescribeSecretCommand({ SecretId: secret.id }))).VersionIdsToStages ?? {}),
  };
}
