/** The parts of a Secrets Manager secret ARN. */
export interface SecretArn {
  readonly partition: string;
  readonly region: string;
  readonly account: string;
  /** The secret name with its six-character random suffix, e.g. `rajee/prod/signing-key-AbCdEf`. */
  readonly resource: string;
}

const SECRET_ARN = /^arn:(aws|aws-cn|aws-us-gov|aws-iso(?:-[a-z])?):secretsmanager:([a-z]{2}(?:-[a-z]+)+-\d):(\d{12}):secret:([A-Za-z0-9/_+=.@-]+)$/;

/** The shape every secret ARN in this project must have, for error messages. */
export const SECRET_ARN_FORMAT = "arn:aws:secretsmanager:<region>:<12-digit account>:secret:<name>";

/** Parses a secret ARN; undefined when `text` is not one. */
export function parseSecretArn(text: string): SecretArn | undefined {
  const match = SECRET_ARN.exec(text);
  if (!match) return undefined;
  const [, partition, region, account, resource] = match as unknown as [string, string, string, string, string];
  return { partition, region, account, resource };
}
