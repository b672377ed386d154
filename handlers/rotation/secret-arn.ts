/** Secret ARNs are parsed by the one partition-aware pattern the authorizer and the infrastructure use too. */
export { parseSecretArn, SECRET_ARN_FORMAT, type SecretArn } from "../../src/contracts/aws-names";
