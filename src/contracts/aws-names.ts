/**
 * The shapes of AWS names this project reads or writes (regions, partitions, host names, and the
 * ARNs of secrets, roles and certificates), defined once so that the configuration, the modules,
 * Envoy's settings, the authorizer and the rotation Lambda agree on what is valid. Pure.
 *
 * Partitions and their region patterns follow the SDK's endpoint rules (`partitions.json`, shipped
 * in `@aws-sdk/core` as `util-endpoints/lib/aws/partitions.js`): a region belongs to exactly one
 * partition, and an ARN's partition must be its region's.
 */

/** One AWS partition: its ARN prefix and the regions in it. */
export interface Partition {
  /** The ARN partition, e.g. `aws-cn`. */
  readonly id: string;
  /** The region names of this partition (the SDK's `regionRegex`, with `\w+` narrowed to letters). */
  readonly regions: RegExp;
}

/** Every partition, most specific region pattern first (`us-gov-`, `us-iso-` before plain `us-`). */
export const PARTITIONS: readonly Partition[] = Object.freeze([
  { id: "aws-us-gov", regions: /^us-gov-[a-z]+-\d{1,2}$/ },
  { id: "aws-iso", regions: /^us-iso-[a-z]+-\d{1,2}$/ },
  { id: "aws-iso-b", regions: /^us-isob-[a-z]+-\d{1,2}$/ },
  { id: "aws-iso-e", regions: /^eu-isoe-[a-z]+-\d{1,2}$/ },
  { id: "aws-iso-f", regions: /^us-isof-[a-z]+-\d{1,2}$/ },
  { id: "aws-eusc", regions: /^eusc-de-[a-z]+-\d{1,2}$/ },
  { id: "aws-cn", regions: /^cn-[a-z]+-\d{1,2}$/ },
  { id: "aws", regions: /^(us|eu|ap|sa|ca|me|af|il|mx)-[a-z]+-\d{1,2}$/ },
].map((p) => Object.freeze(p)));

/** Written in error messages as the example of a region. */
export const REGION_EXAMPLE = "eu-west-1";

/** The partition of `region`, or undefined when it is no AWS region name. */
export function partitionOfRegion(region: string): string | undefined {
  return PARTITIONS.find((p) => p.regions.test(region))?.id;
}

/** True when `text` is an AWS region name of some partition (`eu-west-1`, `cn-north-1`, `us-isob-east-1`...). */
export function isRegion(text: unknown): text is string {
  return typeof text === "string" && partitionOfRegion(text) !== undefined;
}

/** An AWS account id: exactly twelve digits. */
export const ACCOUNT_ID = /^\d{12}$/;

/** NUL, C0 controls (CR, LF, TAB...) and DEL: never valid in a name, a key, a header or a setting. */
// eslint-disable-next-line no-control-regex -- matching control characters is the point
export const CONTROL_CHARACTER = /[\u0000-\u001f\u007f]/;

/** True when `text` holds a control character (see {@link CONTROL_CHARACTER}). */
export function hasControlCharacter(text: string): boolean {
  return CONTROL_CHARACTER.test(text);
}

/** RFC 1123 host name, lower case: labels of 1-63 letters, digits and inner `-`, at most 253 characters. */
const HOST_NAME = /^(?=.{1,253}$)[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/;

/** True when `text` is a lower-case host name; one label (`localhost`) is enough. */
export function isHostName(text: unknown): text is string {
  return typeof text === "string" && HOST_NAME.test(text);
}

/** True when `text` is a lower-case host name of at least two labels (`s3.eu-west-1.amazonaws.com`). */
export function isQualifiedHostName(text: unknown): text is string {
  return isHostName(text) && text.includes(".");
}

/** True when `text` is a public DNS name: a qualified host name whose last label is 2-63 letters. */
export function isDomainName(text: unknown): text is string {
  return isQualifiedHostName(text) && /\.[a-z]{2,63}$/.test(text);
}

/**
 * An image in ECR, pinned by tag or digest: groups are account, region, repository, tag-or-digest.
 * The configuration requires it for the authorizer image; the stack grants pulls from its repository.
 */
export const ECR_IMAGE =
  /^(\d{12})\.dkr\.ecr\.([a-z0-9-]+)\.amazonaws\.com\/([a-z0-9][a-z0-9._/-]*)(:[\w][\w.-]{0,127}(?:@sha256:[0-9a-f]{64})?|@sha256:[0-9a-f]{64})$/;

/** The parts of a Secrets Manager secret ARN. */
export interface SecretArn {
  readonly partition: string;
  readonly region: string;
  readonly account: string;
  /** The secret name with its six-character random suffix, e.g. `rajee/prod/signing-key-AbCdEf`. */
  readonly resource: string;
}

/** The shape every secret ARN must have, for error messages (`aws` stands for the region's partition). */
export const SECRET_ARN_FORMAT = "arn:aws:secretsmanager:<region>:<12-digit account>:secret:<name>";

const SECRET_ARN = /^arn:(aws[a-z-]*):secretsmanager:([a-z0-9-]+):(\d{12}):secret:([A-Za-z0-9/_+=.@-]+)$/;

/** Parses a secret ARN whose partition is its region's; undefined when `text` is not one. */
export function parseSecretArn(text: string): SecretArn | undefined {
  const match = SECRET_ARN.exec(text);
  if (!match) return undefined;
  const [, partition, region, account, resource] = match as unknown as [string, string, string, string, string];
  return partitionOfRegion(region) === partition ? { partition, region, account, resource } : undefined;
}

/** The parts of an IAM role ARN. */
export interface RoleArn {
  readonly partition: string;
  readonly account: string;
  /** The role name with its path, e.g. `deploy/rajee-deploy`. */
  readonly name: string;
}

const ROLE_ARN = /^arn:(aws[a-z-]*):iam::(\d{12}):role\/([\w+=,.@/-]{1,512})$/;

/** Parses an IAM role ARN of a known partition; undefined when `text` is not one. */
export function parseRoleArn(text: string): RoleArn | undefined {
  const match = ROLE_ARN.exec(text);
  if (!match) return undefined;
  const [, partition, account, name] = match as unknown as [string, string, string, string];
  return PARTITIONS.some((p) => p.id === partition) ? { partition, account, name } : undefined;
}

/** The parts of an ACM certificate ARN. */
export interface CertificateArn {
  readonly partition: string;
  readonly region: string;
  readonly account: string;
  readonly id: string;
}

const CERTIFICATE_ARN = /^arn:(aws[a-z-]*):acm:([a-z0-9-]+):(\d{12}):certificate\/([0-9a-f-]{36})$/;

/** Parses an ACM certificate ARN whose partition is its region's; undefined when `text` is not one. */
export function parseCertificateArn(text: string): CertificateArn | undefined {
  const match = CERTIFICATE_ARN.exec(text);
  if (!match) return undefined;
  const [, partition, region, account, id] = match as unknown as [string, string, string, string, string];
  return partitionOfRegion(region) === partition ? { partition, region, account, id } : undefined;
}
