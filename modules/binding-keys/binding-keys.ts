import { Construct } from "constructs";
import { IamRolePolicy } from "@cdktf/provider-aws/lib/iam-role-policy";
import { KmsAlias } from "@cdktf/provider-aws/lib/kms-alias";
import { KmsKey } from "@cdktf/provider-aws/lib/kms-key";
import { SecretsmanagerSecret } from "@cdktf/provider-aws/lib/secretsmanager-secret";
import { SecretsmanagerSecretPolicy } from "@cdktf/provider-aws/lib/secretsmanager-secret-policy";
import { secretsManagerService } from "../signing-keys/signing-keys";
import { checkNamePrefix, throwProblems } from "../shared/names";
import { keyAdministeredByAccount, partitionOf, policyJson, type PolicyStatement } from "../shared/policy";

export interface BindingKeysProps {
  /** Prefix of secret and key names, e.g. `rajee-dev`. */
  readonly namePrefix: string;
  /** Account of the key and secrets (key policy). */
  readonly accountId: string;
  /** Region of the secrets (the `kms:ViaService` condition). */
  readonly region: string;
  /** The authorizers' task role: the only principal that may read the private binding keys. */
  readonly authorizerRoleArn: string;
  /** Its name, to attach the read permission to. */
  readonly authorizerRoleName: string;
  /** KMS key of the public secret: public material only (the signing JWKS key), so the issuer decrypting it learns nothing secret. */
  readonly publicKmsKeyArn: string;
  /** Days Secrets Manager keeps a deleted secret recoverable (7-30). @default 30 */
  readonly recoveryWindowDays?: number;
}

export const DEFAULT_RECOVERY_WINDOW_DAYS = 30;
/** What the private secret denies to every principal but the authorizers' role: reading its value. Writing stays with operators (the runbook's put-secret-value). */
export const BINDING_PRIVATE_VALUE_ACTIONS: readonly string[] = ["secretsmanager:GetSecretValue"];
/** What the private secret's KMS key denies to every principal but the authorizers' role: decrypting (encrypting stays open so operators can put a value). */
export const BINDING_PRIVATE_KMS_DECRYPT_ACTIONS: readonly string[] = ["kms:Decrypt", "kms:ReEncryptFrom"];

/**
 * The binding keys of proof of possession (docs/security.md, "Proof of possession"), in two secrets:
 * - the private one, `{"keys": [private JWK, ...]}` newest first (RAJEE_BINDING_KEYS_SECRET_ARN of
 *   the authorizers, polled like the JWKS), under its own KMS key; its value and that key's decrypt
 *   are denied to every principal but the authorizers' task role, which gets the read here;
 * - the public one, the newest key's public JWK alone, which the issuer seals every token's secret to.
 * One secret for both would let the issuer read the private half. Terraform writes no value (a
 * private key in the state would be readable by whoever reads the state): operators put both with
 * `rajee keys binding` (docs/operations.md, "Binding keys").
 */
export class BindingKeys extends Construct {
  readonly privateSecretArn: string;
  readonly privateKmsKeyArn: string;
  readonly publicSecretArn: string;
  /** The private secret's resource policy, as data. */
  readonly privateSecretStatements: readonly PolicyStatement[];
  /** The authorizers' read permission, as data. */
  readonly authorizerStatements: readonly PolicyStatement[];

  constructor(scope: Construct, id: string, props: BindingKeysProps) {
    super(scope, id);
    const recoveryWindow = props.recoveryWindowDays ?? DEFAULT_RECOVERY_WINDOW_DAYS;
    checkNamePrefix("binding-keys", props.namePrefix);
    throwProblems("binding-keys", [
      ...(Number.isInteger(recoveryWindow) && recoveryWindow >= 7 && recoveryWindow <= 30 ? [] : [`recoveryWindowDays=${recoveryWindow} is outside 7-30 (Secrets Manager's range); use 7-30`]),
    ]);
    const name = props.namePrefix;
    const partition = partitionOf(props.region);
    const onlyAuthorizers = { StringNotEquals: { "aws:PrincipalArn": [props.authorizerRoleArn] } };

    const key = new KmsKey(this, "private-key", {
      description: `${name} proof-of-possession private binding keys secret`,
      enableKeyRotation: true,
      deletionWindowInDays: 30,
      policy: policyJson([
        keyAdministeredByAccount(partition, props.accountId),
        { Sid: "DenyDecryptToAllButAuthorizers", Effect: "Deny", Principal: { AWS: "*" }, Action: [...BINDING_PRIVATE_KMS_DECRYPT_ACTIONS], Resource: ["*"], Condition: onlyAuthorizers },
        {
          Sid: "DenyDecryptOutsideSecretsManager",
          Effect: "Deny",
          Principal: { AWS: "*" },
          Action: [...BINDING_PRIVATE_KMS_DECRYPT_ACTIONS],
          Resource: ["*"],
          Condition: { StringNotEquals: { "kms:ViaService": secretsManagerService(props.region) } },
        },
      ]),
    });
    new KmsAlias(this, "private-key-alias", { name: `alias/${name}-binding-private`, targetKeyId: key.keyId });
    this.privateKmsKeyArn = key.arn;

    const secret = new SecretsmanagerSecret(this, "private", {
      name: `${name}/binding/private-keys`,
      description: 'Private binding keys ({"keys": [...]}, newest first) the authorizers open bound tokens with',
      kmsKeyId: key.arn,
      recoveryWindowInDays: recoveryWindow,
    });
    this.privateSecretStatements = [
      { Sid: "DenyValueToAllButAuthorizers", Effect: "Deny", Principal: { AWS: "*" }, Action: [...BINDING_PRIVATE_VALUE_ACTIONS], Resource: ["*"], Condition: onlyAuthorizers },
    ];
    new SecretsmanagerSecretPolicy(this, "private-policy", { secretArn: secret.arn, policy: policyJson(this.privateSecretStatements), blockPublicPolicy: true });
    this.privateSecretArn = secret.arn;

    const publicSecret = new SecretsmanagerSecret(this, "public", {
      name: `${name}/binding/public-key`,
      description: "Public binding key (one JWK) the token issuer seals every token's secret to",
      kmsKeyId: props.publicKmsKeyArn,
      recoveryWindowInDays: recoveryWindow,
    });
    this.publicSecretArn = publicSecret.arn;

    this.authorizerStatements = [
      { Sid: "ReadBindingKeys", Effect: "Allow", Action: ["secretsmanager:GetSecretValue"], Resource: [secret.arn] },
      {
        Sid: "DecryptBindingKeysThroughSecretsManager",
        Effect: "Allow",
        Action: ["kms:Decrypt"],
        Resource: [key.arn],
        Condition: { StringEquals: { "kms:ViaService": secretsManagerService(props.region) } },
      },
    ];
    new IamRolePolicy(this, "authorizer-read", { name: "read-binding-keys", role: props.authorizerRoleName, policy: policyJson(this.authorizerStatements) });
  }
}
