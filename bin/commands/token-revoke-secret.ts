import { randomUUID } from "node:crypto";
import { DescribeSecretCommand, GetSecretValueCommand, PutSecretValueCommand, SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { isRegion, parseSecretArn, REGION_EXAMPLE, SECRET_ARN_FORMAT } from "../../src/contracts/aws-names";
import { requireOption, UsageError, type CommandIO } from "../command";
import { explainAwsError } from "./keys-rotate";

/**
 * The deny-list secret as `rajee token revoke` and `rajee token revoked` reach it: the thin shell
 * around src/revocation/deny-list-document.ts. Reads the AWSCURRENT version and writes a new one
 * with PutSecretValue, through the default credential chain; AWS_ENDPOINT_URL_SECRETS_MANAGER (or
 * AWS_ENDPOINT_URL) sends the calls elsewhere, as with the aws cli.
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
export async function readVersion(secret: DenyListSecret, version: { readonly stage: string } | { readonly id: string } = { stage: "AWSCURRENT" }): Promise<SecretVersion> {
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

/** Writes `text` as the new AWSCURRENT version; resolves to its version id. */
export async function writeVersion(secret: DenyListSecret, arn: string, text: string): Promise<string> {
  try {
    const output = await secret.client.send(new PutSecretValueCommand({ SecretId: arn, SecretString: text, ClientRequestToken: randomUUID() }));
    if (output.VersionId === undefined) throw new Error("PutSecretValue returned no VersionId");
    return output.VersionId;
  } catch (error) {
    throw explainAwsError(error, "PutSecretValue", arn);
  }
}

/** The stages of each version of the secret. */
export async function versionStages(secret: DenyListSecret, arn: string): Promise<Record<string, string[]>> {
  try {
    return (await secret.client.send(new DescribeSecretCommand({ SecretId: arn }))).VersionIdsToStages ?? {};
  } catch (error) {
    throw explainAwsError(error, "DescribeSecret", arn);
  }
}
