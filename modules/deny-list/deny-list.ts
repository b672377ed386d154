import { Construct } from "constructs";
import { IamRolePolicy } from "@cdktf/provider-aws/lib/iam-role-policy";
import { SecretsmanagerSecret } from "@cdktf/provider-aws/lib/secretsmanager-secret";
import { SecretsmanagerSecretVersion } from "@cdktf/provider-aws/lib/secretsmanager-secret-version";
import { denyListSecretName } from "../../src/contracts/authorizer-environment";
import { EMPTY_DENY_LIST_DOCUMENT } from "../../src/revocation/deny-list-document";
import { checkNamePrefix, throwProblems } from "../shared/names";
import { policyJson, secretReaderStatements, type PolicyStatement } from "../shared/policy";

export interface DenyListProps {
  /** Prefix of the secret name, e.g. `rajee-dev` (the secret is `rajee-dev/revocation/deny-list`). */
  readonly namePrefix: string;
  /** Region of the secret (the `kms:ViaService` condition). */
  readonly region: string;
  /** KMS key of the secret: the environment's public-material key, the one the JWKS secret is encrypted with (`SigningKeys.kmsKeyArn`). */
  readonly kmsKeyArn: string;
  /** Name of the authorizers' task role: it may read this secret, and decrypt it through Secrets Manager. */
  readonly readerRoleName: string;
  /** Days Secrets Manager keeps a deleted secret recoverable (7-30). @default 30 */
  readonly recoveryWindowDays?: number;
}

export const DEFAULT_RECOVERY_WINDOW_DAYS = 30;

/**
 * Revocation (docs/security.md, "A revoked token keeps working"): the Secrets Manager secret holding
 * the deny list, `{"jtis": [...], "subs": [...]}`, which every authorizer polls like the keys
 * (RAJEE_DENY_LIST_SECRET_ARN). It starts with an empty list; Terraform ignores later changes to its
 * value (`lifecycle.ignore_changes = [secret_string]`), so a revocation written by an operator
 * (`rajee token revoke`) is never undone by the next apply. Encrypted with the environment's
 * public-material key, like the JWKS: the list names tokens and subjects, never a secret. The task
 * role may read it and decrypt it through Secrets Manager, nothing more; the secret has no resource
 * policy, so nobody outside the account can reach it (docs/decisions.md).
 */
export class DenyList extends Construct {
  /** `<namePrefix>/revocation/deny-list`. */
  readonly secretName: string;
  readonly secretArn: string;
  /** The task role's statements added here, as data (for tests and plan review). */
  readonly readerStatements: readonly PolicyStatement[];

  constructor(scope: Construct, id: string, props: DenyListProps) {
    super(scope, id);
    const recoveryWindow = props.recoveryWindowDays ?? DEFAULT_RECOVERY_WINDOW_DAYS;
    checkNamePrefix("deny-list", props.namePrefix);
    if (!Number.isInteger(recoveryWindow) || recoveryWindow < 7 || recoveryWindow > 30) {
      throwProblems("deny-list", [`recoveryWindowDays=${recoveryWindow} is outside 7-30 (Secrets Manager's range); use 7-30`]);
    }
    this.secretName = denyListSecretName(props.namePrefix);
    const secret = new SecretsmanagerSecret(this, "secret", {
      name: this.secretName,
      description: 'Revoked tokens ({"jtis": [...], "subs": [...]}) the authorizers poll; written with rajee token revoke',
      kmsKeyId: props.kmsKeyArn,
      recoveryWindowInDays: recoveryWindow,
    });
    new SecretsmanagerSecretVersion(this, "initial", {
      secretId: secret.id,
      secretString: EMPTY_DENY_LIST_DOCUMENT,
      lifecycle: { ignoreChanges: ["secret_string"] },
    });
    this.secretArn = secret.arn;

    this.readerStatements = secretReaderStatements("DenyList", secret.arn, props.kmsKeyArn, props.region);
    new IamRolePolicy(this, "read-policy", { name: "read-deny-list", role: props.readerRoleName, policy: policyJson(this.readerStatements) });
  }
}
