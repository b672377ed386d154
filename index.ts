/**
 * rajee as a library: the reusable CDKTF constructs, the environment config types and the
 * per-environment stack. Reuse from another CDKTF app (docs/infrastructure.md, "Reusing a module"):
 *
 *   import { AccessPolicy } from "rajee";
 *   new AccessPolicy(stack, "gateway-access", { namePrefix: "partner-a", accountId, region, buckets, ... });
 */
export { Network, type NetworkProps, type NatGatewayMode } from "./modules/network/network";
export { subnetCidr, parseCidr, formatCidr, cidrProblem } from "./modules/network/cidr";
export { LoadBalancer, type LoadBalancerProps, TLS13_POLICIES } from "./modules/load-balancer/load-balancer";
export { AccessPolicy, type AccessPolicyProps } from "./modules/access-policy/access-policy";
export { OBJECT_ACTIONS, PREFIXED_LIST_ACTIONS, BUCKET_ACTIONS, bucketStatements } from "./modules/access-policy/s3-actions";
export { SigningKeys, type SigningKeysProps, type LambdaBundle } from "./modules/signing-keys/signing-keys";
export { ProxyService, type ProxyServiceProps, type ServiceScaling } from "./modules/proxy-service/proxy-service";
export { gatewayContainers, type AuthorizerSettings, type ContainerInputs } from "./modules/proxy-service/containers";
export { fargateMemoryChoices, taskSizeProblems, healthCheckProblems, type TaskSize, type ContainerSize, type HealthCheckTiming } from "./modules/proxy-service/task-size";
export { LogGroups, type LogGroupsProps } from "./modules/observability/log-groups";
export { Alarms, type AlarmsProps, type AlarmKey } from "./modules/observability/alarms";
export { Dashboard, type DashboardProps } from "./modules/observability/dashboard";
export { policyJson, serviceTrustPolicy, type PolicyStatement, type PolicyDocument } from "./modules/shared/policy";
export { environmentNames, getEnvironment, validateEnvironment } from "./config";
export type { EnvironmentConfig, BackendConfig, BucketAccess, ScalingConfig, TokenSettings } from "./config";
export { EnvironmentStack, type EnvironmentStackProps, stackName, logGroupNames } from "./stacks/environment-stack";
export { buildApp, selectEnvironments, type AppOptions } from "./stacks/app";
export { ConfigError } from "./src/config-error";
