import { join } from "node:path";
import { Construct } from "constructs";
import { Aspects, LocalBackend, S3Backend, TerraformOutput, TerraformStack } from "cdktf";
import { AcmCertificate } from "@cdktf/provider-aws/lib/acm-certificate";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import type { EnvironmentConfig } from "../config/environment";
import { ECR_IMAGE } from "../src/contracts/aws-names";
import { envoyCommand, envoySettingsForEnvironment, ENVOY_IMAGE, renderEnvoyBootstrap, S3_CLUSTER } from "../envoy-templates";
import { FILTER, S3_LISTENER } from "../envoy-templates/bootstrap";
import { bundleIssuerLambda } from "../handlers/issuer/bundle";
import { AccessPolicy } from "../modules/access-policy/access-policy";
import { ImageMirror, mirroredImage } from "../modules/image-mirror/image-mirror";
import { BindingKeys } from "../modules/binding-keys/binding-keys";
import { DenyList } from "../modules/deny-list/deny-list";
import { Issuer, issuerRoleArn } from "../modules/issuer/issuer";
import { LoadBalancer } from "../modules/load-balancer/load-balancer";
import { PlanRole } from "../modules/plan-role/plan-role";
import { Network } from "../modules/network/network";
import { Alarms } from "../modules/observability/alarms";
import { Dashboard } from "../modules/observability/dashboard";
import { LogGroups } from "../modules/observability/log-groups";
import { AUTHORIZER_CONTAINER } from "../modules/proxy-service/containers";
import { ProxyService } from "../modules/proxy-service/proxy-service";
import { RuntimeParameter } from "../modules/proxy-service/runtime-parameter";
import { COLLECTOR_IMAGE, ENVOY_METRICS_NAMESPACE } from "../modules/proxy-service/collector";
import { CollectorAccess } from "../modules/proxy-service/collector-access";
import { collectorTracesUrl } from "../src/contracts/telemetry";
import { LOOPBACK } from "../src/contracts/gateway";
import { DEFAULT_RATE_LIMIT_PER_SECOND } from "../handlers/authorizer/config";
import { DEFAULT_LOG_LEVEL } from "../src/contracts/environment";
import { SAMPLING_OFF } from "../src/runtime-settings/runtime-document";
import { partitionOf } from "../modules/shared/policy";
import { SigningKeys, type LambdaBundle } from "../modules/signing-keys/signing-keys";
import { DEFAULT_KEY_CACHE_SECONDS, issuerEnvironment } from "../src/contracts/issuer-environment";
import { checkInvariants } from "./invariants";
import { IgnoreLocalApiGaps, localProviderSettings } from "./local-api";

export interface EnvironmentStackProps {
  /** The environment's validated settings (`getEnvironment(name)`). */
  readonly config: EnvironmentConfig;
  /** The rotation Lambda's zip (`bundleRotationLambda(dir)`), bundled once per synth. */
  readonly rotationBundle: LambdaBundle;
  /** The issuer Lambda's zip, bundled once per synth. @default defaultIssuerBundle() (bundled once per process into .build/issuer-lambda) */
  readonly issuerBundle?: LambdaBundle;
  /**
   * Plan without AWS access: the provider skips its credential, account-id, metadata and region
   * checks, cannot enforce `allowed_account_ids`, and does not assume `assumeRoleArn`. Only for offline `terraform plan` in tests and CI;
   * never for a deploy. @default false
   */
  readonly offlinePlan?: boolean;
  /**
   * What the synthesized stack is for. `apply`: the provider and the S3 backend assume
   * `config.assumeRoleArn`. `plan` (pull-request plans): neither assumes a role, so the plan runs as
   * the caller (the read-only plan role from GitHub's OIDC token) and never needs the deploy role.
   * @default "apply"
   */
  readonly terraformRole?: TerraformRole;
  /** Keep state in a local file instead of `config.backend` (tests and offline plans). @default false */
  readonly localBackend?: boolean;
  /**
   * Deploy to a local implementation of the AWS APIs (moto) at this URL instead of AWS: the local
   * variant of `npm run deploy:local`. Every service the stack uses is pointed at the URL, S3 is
   * path-style, the credentials are dummies, state is local, and the few resources the local API
   * cannot create are left out (docs/infrastructure.md, "What the local apply does not cover").
   * Never set for a real environment. @default undefined (AWS)
   */
  readonly localEndpoint?: string;
}

/** Whether a synthesized stack applies (assumes the deploy role) or only plans (assumes none). */
export type TerraformRole = "apply" | "plan";

/** Name of the stack (and `cdktf.out/stacks/<name>`) of environment `name`. */
export function stackName(environment: string): string {
  return `rajee-${environment}`;
}

/** The rotation Lambda's log group, created up front so its retention and key are ours. */
export function logGroupNames(environment: string): { envoy: string; authorizer: string; rotation: string; issuer: string; flowLogs: string; waf: string } {
  return {
    envoy: `/rajee/${environment}/envoy`,
    authorizer: `/rajee/${environment}/authorizer`,
    rotation: `/rajee/${environment}/key-rotation`,
    issuer: `/rajee/${environment}/issuer`,
    flowLogs: `/rajee/${environment}/vpc-flow-logs`,
    // WAF logs only to groups named aws-waf-logs-*.
    waf: `aws-waf-logs-${stackName(environment)}`,
  };
}

/**
 * One environment: provider (allowed account, optional assume-role, default tags), backend (S3
 * with Terraform's native lock file, or local), and every module wired together. Composition only:
 * the modules hold the logic.
 */
export class EnvironmentStack extends TerraformStack {
  readonly config: EnvironmentConfig;
  readonly network: Network;
  /** The ECR pull-through cache the Envoy image comes through (undefined locally: moto lacks the API). */
  readonly imageMirror: ImageMirror | undefined;
  /** The pull-request plan role (undefined unless `config.planRole`). */
  readonly planRole: PlanRole | undefined;
  readonly logGroups: LogGroups;
  readonly signingKeys: SigningKeys;
  readonly bindingKeys: BindingKeys;
  /** The deny list (revoked jti and sub values) the authorizers poll. */
  readonly denyList: DenyList;
  /** The token issuer (Lambda behind an AWS_IAM Function URL). */
  readonly issuer: Issuer;
  readonly accessPolicy: AccessPolicy;
  readonly loadBalancer: LoadBalancer;
  readonly proxyService: ProxyService;
  /** The runtime-settings parameter the authorizers poll. */
  readonly runtimeParameter: RuntimeParameter;
  readonly alarms: Alarms;
  readonly dashboard: Dashboard;

  constructor(scope: Construct, id: string, props: EnvironmentStackProps) {
    super(scope, id);
    const c = props.config;
    const offline = props.offlinePlan ?? false;
    const terraformRole = props.terraformRole ?? "apply";
    // The deploy role only ever applies: a plan never asks to assume it (docs/infrastructure.md, "Plans and applies").
    const deployRole = terraformRole === "apply" ? c.assumeRoleArn : undefined;
    const localApi = props.localEndpoint;
    const local = (props.localBackend ?? false) || localApi !== undefined;
    this.config = c;
    const name = stackName(c.name);
    const partition = partitionOf(c.region);

    new AwsProvider(this, "aws", {
      region: c.region,
      // Offline there is no account id to compare with (the provider cannot ask STS), so the check is off.
      // The local API answers STS with the configured account, so the check stays on there.
      ...(offline ? {} : { allowedAccountIds: [c.accountId] }),
      ...(deployRole && !offline && localApi === undefined ? { assumeRole: [{ roleArn: deployRole, sessionName: `${name}-terraform` }] } : {}),
      defaultTags: [{ tags: { ...c.tags, Project: "rajee", Environment: c.name, ManagedBy: "cdktf" } }],
      ...(offline
        ? { skipCredentialsValidation: true, skipRequestingAccountId: true, skipMetadataApiCheck: "true", skipRegionValidation: true }
        : {}),
      ...(localApi === undefined ? {} : localProviderSettings(localApi)),
    });
    if (local || c.backend.kind === "local") {
      new LocalBackend(this, { path: c.backend.kind === "local" && c.backend.path ? c.backend.path : `terraform.${c.name}.tfstate` });
    } else {
      new S3Backend(this, {
        bucket: c.backend.bucket,
        key: c.backend.key,
        region: c.backend.region ?? c.region,
        encrypt: true,
        ...(deployRole ? { assumeRole: { roleArn: deployRole, sessionName: `${name}-terraform-state` } } : {}),
      });
      // Terraform >= 1.10 locks with a lock file next to the state; no DynamoDB table.
      this.addOverride("terraform.backend.s3.use_lockfile", true);
    }

    const groups = { ...logGroupNames(c.name), ...(c.tracing ? collectorLogGroupNames(c.name) : {}) };
    this.logGroups = new LogGroups(this, "log-groups", {
      namePrefix: name,
      accountId: c.accountId,
      region: c.region,
      groups,
      retentionDays: c.logRetentionDays,
    });
    this.network = new Network(this, "network", {
      namePrefix: name,
      accountId: c.accountId,
      region: c.region,
      cidr: c.vpcCidr,
      availabilityZones: c.availabilityZones,
      natGateways: c.natGateways,
      s3Buckets: Object.keys(c.buckets),
      flowLogGroupArn: this.logGroups.arns.flowLogs as string,
    });
    this.signingKeys = new SigningKeys(this, "signing-keys", {
      namePrefix: name,
      accountId: c.accountId,
      region: c.region,
      rotationBundle: props.rotationBundle,
      rotationLogGroupName: this.logGroups.names.rotation as string,
      rotationLogGroupArn: this.logGroups.arns.rotation as string,
      rotationDays: c.rotationDays,
      maxTokenLifetimeSeconds: c.token.maxLifetimeSeconds,
      clockSkewSeconds: c.token.clockSkewSeconds,
      issuerRoleArn: issuerRoleArn(name, c.accountId, c.region),
      // moto's RotateSecret invokes the Lambda, which needs Docker (docs/infrastructure.md).
      ...(localApi === undefined ? {} : { rotationSchedule: false }),
    });

    // The tasks reach only ECR: Envoy's image comes through the account's pull-through cache unless configured.
    // moto has no pull-through cache API (docs/infrastructure.md), so the local variant names the mirror without the rule.
    this.imageMirror = localApi === undefined ? new ImageMirror(this, "image-mirror", { namePrefix: name, accountId: c.accountId, region: c.region }) : undefined;
    const envoyImage = c.envoyImage ?? mirroredImage(c.accountId, c.region, name, ENVOY_IMAGE);
    const collectorImage = c.tracing ? mirroredImage(c.accountId, c.region, name, COLLECTOR_IMAGE) : undefined;
    this.accessPolicy = new AccessPolicy(this, "access-policy", {
      namePrefix: name,
      accountId: c.accountId,
      region: c.region,
      buckets: c.buckets,
      jwksSecretArn: this.signingKeys.jwksSecretArn,
      jwksKmsKeyArn: this.signingKeys.kmsKeyArn,
      logGroupArns: [this.logGroups.arns.envoy as string, this.logGroups.arns.authorizer as string, ...(c.tracing ? [this.logGroups.arns.collector as string] : [])],
      ecrRepositoryArns: ecrRepositoryArns(partition, [c.authorizerImage, envoyImage, ...(collectorImage ? [collectorImage] : [])]),
      pullThroughRepositoryArns: this.imageMirror && c.envoyImage === undefined ? [this.imageMirror.repositoryArnPattern] : [],
    });

    this.bindingKeys = new BindingKeys(this, "binding-keys", {
      namePrefix: name,
      accountId: c.accountId,
      region: c.region,
      authorizerRoleArn: this.accessPolicy.taskRoleArn,
      authorizerRoleName: this.accessPolicy.taskRoleName,
      publicKmsKeyArn: this.signingKeys.kmsKeyArn,
      rotationBundle: props.rotationBundle,
      rotationCodePath: this.signingKeys.rotationCodePath,
      rotationLogGroupName: this.logGroups.names.rotation as string,
      rotationLogGroupArn: this.logGroups.arns.rotation as string,
      rotationDays: c.rotationDays,
      maxTokenLifetimeSeconds: c.token.maxLifetimeSeconds,
      clockSkewSeconds: c.token.clockSkewSeconds,
      // moto's RotateSecret invokes the Lambda, which needs Docker (docs/infrastructure.md).
      ...(localApi === undefined ? {} : { rotationSchedule: false }),
    });
    this.denyList = new DenyList(this, "deny-list", {
      namePrefix: name,
      region: c.region,
      kmsKeyArn: this.signingKeys.kmsKeyArn,
      readerRoleName: this.accessPolicy.taskRoleName,
    });
    this.issuer = new Issuer(this, "issuer", {
      namePrefix: name,
      accountId: c.accountId,
      region: c.region,
      bundle: props.issuerBundle ?? defaultIssuerBundle(),
      environment: issuerEnvironment({
        privateKeySecretArn: this.signingKeys.privateKeySecretArn,
        issuer: c.token.issuer,
        audience: c.token.audience,
        policy: c.issuer.policy,
        maxTokenLifetimeSeconds: c.token.maxLifetimeSeconds,
        // A retired key stays published lifetime + skew: signing with a cached key longer than the skew could outlive it (docs/operations.md).
        keyCacheSeconds: Math.min(DEFAULT_KEY_CACHE_SECONDS, c.token.clockSkewSeconds),
        // Every token the issuer hands out is bound: its secret sealed to the authorizers' binding key.
        bindingPublicKeySecretArn: this.bindingKeys.publicSecretArn,
      }),
      logGroupName: this.logGroups.names.issuer as string,
      logGroupArn: this.logGroups.arns.issuer as string,
      privateKeySecretArn: this.signingKeys.privateKeySecretArn,
      privateKeyKmsKeyArn: this.signingKeys.privateKeyKmsKeyArn,
      binding: { publicSecretArn: this.bindingKeys.publicSecretArn, kmsKeyArn: this.signingKeys.kmsKeyArn },
      invokers: c.issuer.invokers,
      reservedConcurrency: c.issuer.reservedConcurrency,
    });

    const envoy = envoySettingsForEnvironment(c);
    // The configured certificate exists only in AWS; the local API gets one requested from it.
    const certificateArn =
      localApi === undefined
        ? c.certificateArn
        : new AcmCertificate(this, "local-certificate", { domainName: c.domain, subjectAlternativeNames: [`*.${c.domain}`], validationMethod: "DNS" }).arn;
    this.loadBalancer = new LoadBalancer(this, "load-balancer", {
      namePrefix: name,
      accountId: c.accountId,
      region: c.region,
      vpcId: this.network.vpcId,
      vpcCidr: this.network.vpcCidr,
      subnetIds: this.network.publicSubnetIds,
      certificateArn,
      ingressCidrs: c.ingressCidrs,
      targetPort: envoy.listenerPort,
      healthCheckPort: envoy.healthPort,
      healthCheckPath: envoy.healthPath,
      accessLogRetentionDays: c.accessLogRetentionDays,
      wafRateLimit: c.wafRateLimit,
      wafLogGroupArn: this.logGroups.arns.waf as string,
      slowStartSeconds: c.slowStartSeconds,
      // A local apply is destroyed at once; AWS environments keep the protection.
      ...(localApi === undefined ? {} : { deletionProtection: false }),
    });
    this.runtimeParameter = new RuntimeParameter(this, "runtime-parameter", {
      environment: c.name,
      taskRoleName: this.accessPolicy.taskRoleName,
      initial: { logLevel: DEFAULT_LOG_LEVEL, decisionSampling: SAMPLING_OFF, rateLimitPerSubject: DEFAULT_RATE_LIMIT_PER_SECOND },
    });
    this.proxyService = new ProxyService(this, "proxy-service", {
      namePrefix: name,
      region: c.region,
      vpcId: this.network.vpcId,
      subnetIds: this.network.privateSubnetIds,
      loadBalancerSecurityGroupId: this.loadBalancer.securityGroupId,
      targetGroupArn: this.loadBalancer.targetGroupArn,
      albResourceLabel: `${this.loadBalancer.loadBalancerArnSuffix}/${this.loadBalancer.targetGroupArnSuffix}`,
      taskRoleArn: this.accessPolicy.taskRoleArn,
      executionRoleArn: this.accessPolicy.executionRoleArn,
      envoyImage,
      authorizerImage: c.authorizerImage,
      envoyCommand: envoyCommand(envoy),
      authorizer: {
        jwksSecretArn: this.signingKeys.jwksSecretArn,
        issuer: c.token.issuer,
        audience: c.token.audience,
        maxTokenLifetimeSeconds: c.token.maxLifetimeSeconds,
        clockSkewSeconds: c.token.clockSkewSeconds,
        s3Region: envoy.s3Region,
        s3Endpoint: envoy.s3Endpoint,
        virtualHostDomain: c.domain,
        bindingKeysSecretArn: this.bindingKeys.privateSecretArn,
        denyListSecretArn: this.denyList.secretArn,
        ...(c.clientSignatures === undefined ? {} : { clientSignatures: c.clientSignatures }),
        runtimeParameterName: this.runtimeParameter.parameterName,
        ...(c.tracing ? { tracing: { endpoint: collectorTracesUrl(LOOPBACK), samplingRatio: c.tracing.samplingRatio } } : {}),
      },
      ...(collectorImage
        ? { collector: { image: collectorImage, logGroup: this.logGroups.names.collector as string, metricsLogGroup: this.logGroups.names.collectorMetrics as string } }
        : {}),
      logGroups: { envoy: this.logGroups.names.envoy as string, authorizer: this.logGroups.names.authorizer as string },
      size: c.task,
      scaling: c.scaling,
      capacityProviders: c.capacityProviders,
      // HTTPS only to S3 (the gateway endpoint's prefix list) and the interface endpoints: no internet.
      egressPrefixListIds: [this.network.s3PrefixListId],
      egressSecurityGroupIds: this.network.endpointSecurityGroupId === undefined ? [] : [this.network.endpointSecurityGroupId],
      listenerPort: envoy.listenerPort,
      healthPort: envoy.healthPort,
      livePath: envoy.livePath,
      authorizerPort: envoy.authorizerPort,
      authorizerAdminPort: envoy.authorizerAdminPort,
      // moto has no Application Auto Scaling ListTagsForResource, which the provider calls (docs/infrastructure.md).
      ...(localApi === undefined ? {} : { autoscaling: false }),
    });
    if (c.tracing) {
      new CollectorAccess(this, "collector-access", { taskRoleName: this.accessPolicy.taskRoleName, metricsLogGroupArn: this.logGroups.arns.collectorMetrics as string });
    }
    // Rules between the load balancer, the service and Envoy, on the values actually deployed.
    checkInvariants({
      loadBalancer: this.loadBalancer,
      proxyService: this.proxyService,
      envoy: { drainTimeSeconds: envoy.drainTimeSeconds, drainWithMarginSeconds: envoy.stopTimeoutSeconds },
      bootstrap: renderEnvoyBootstrap(envoy),
      s3ListenerName: S3_LISTENER,
      s3ClusterName: S3_CLUSTER,
      extAuthzFilterName: FILTER.extAuthz,
      tokens: { authorizer: containerEnvironment(this.proxyService, AUTHORIZER_CONTAINER), issuer: this.issuer.environment },
    });
    this.alarms = new Alarms(this, "alarms", {
      namePrefix: name,
      accountId: c.accountId,
      region: c.region,
      alarmEmail: c.alarmEmail,
      loadBalancerArnSuffix: this.loadBalancer.loadBalancerArnSuffix,
      targetGroupArnSuffix: this.loadBalancer.targetGroupArnSuffix,
      authorizerLogGroupName: this.logGroups.names.authorizer as string,
      rotationLogGroupName: this.logGroups.names.rotation as string,
      rotationFunctionName: this.signingKeys.rotationFunctionName,
      issuerFunctionName: this.issuer.functionName,
      rotationDays: c.rotationDays,
      // Half of Envoy's budget for a check: past it, checks start failing closed with 503.
      authzLatencyP99ThresholdMs: envoy.extAuthz.timeoutMs / 2,
      ...(c.tracing ? { envoyMetricsNamespace: ENVOY_METRICS_NAMESPACE } : {}),
    });
    this.dashboard = new Dashboard(this, "dashboard", {
      namePrefix: name,
      region: c.region,
      loadBalancerArnSuffix: this.loadBalancer.loadBalancerArnSuffix,
      targetGroupArnSuffix: this.loadBalancer.targetGroupArnSuffix,
      clusterName: this.proxyService.clusterName,
      serviceName: this.proxyService.serviceName,
      logMetricNamespace: this.alarms.metricNamespace,
      rotationFunctionName: this.signingKeys.rotationFunctionName,
      issuerFunctionName: this.issuer.functionName,
      ...(c.tracing ? { envoyMetricsNamespace: ENVOY_METRICS_NAMESPACE } : {}),
    });

    this.planRole =
      c.planRole && c.backend.kind === "s3"
        ? new PlanRole(this, "plan-role", {
            namePrefix: name,
            accountId: c.accountId,
            region: c.region,
            githubRepository: c.planRole.githubRepository,
            stateBucket: c.backend.bucket,
            stateKey: c.backend.key,
            jwksSecretArn: this.signingKeys.jwksSecretArn,
            jwksKmsKeyArn: this.signingKeys.kmsKeyArn,
            denyListSecretArn: this.denyList.secretArn,
            dataBuckets: Object.keys(c.buckets),
          })
        : undefined;

    if (localApi !== undefined) Aspects.of(this).add(new IgnoreLocalApiGaps());

    new TerraformOutput(this, "load_balancer_dns_name", { value: this.loadBalancer.dnsName, description: `Point ${c.domain} (and *.${c.domain}) here` });
    new TerraformOutput(this, "load_balancer_zone_id", { value: this.loadBalancer.zoneId });
    new TerraformOutput(this, "jwks_secret_arn", { value: this.signingKeys.jwksSecretArn });
    new TerraformOutput(this, "private_key_secret_arn", { value: this.signingKeys.privateKeySecretArn });
    new TerraformOutput(this, "binding_keys_secret_arn", { value: this.bindingKeys.privateSecretArn });
    new TerraformOutput(this, "binding_public_key_secret_arn", { value: this.bindingKeys.publicSecretArn });
    new TerraformOutput(this, "deny_list_secret_arn", {
      value: this.denyList.secretArn,
      description: "Revoked tokens the authorizers poll: rajee token revoke --secret <this> --jti ID | --sub SUBJECT",
    });
    new TerraformOutput(this, "task_role_arn", { value: this.accessPolicy.taskRoleArn });
    new TerraformOutput(this, "issuer_url", {
      value: this.issuer.functionUrl,
      description: "The token issuer: POST SigV4-signed (service lambda) requests here; give it to the invokers in config issuer.invokers",
    });
    new TerraformOutput(this, "alarm_topic_arn", { value: this.alarms.topicArn });
    if (this.planRole) new TerraformOutput(this, "plan_role_arn", { value: this.planRole.roleArn, description: "Repository secret RAJEE_PLAN_ROLE_<ENV>" });
  }
}

/** The collector's log groups, created only when the environment traces: its own output, and the EMF lines of Envoy's metrics. */
export function collectorLogGroupNames(environment: string): { collector: string; collectorMetrics: string } {
  return { collector: `/rajee/${environment}/otel-collector`, collectorMetrics: `/rajee/${environment}/envoy-metrics` };
}

/** The environment variables container `name` of the service is deployed with. */
export function containerEnvironment(service: ProxyService, name: string): Record<string, string> {
  const container = service.containerDefinitions.find((d) => d.name === name);
  return Object.fromEntries((container?.environment ?? []).map((pair) => [pair.name ?? "", pair.value ?? ""]));
}

/** ECR repository ARNs of the images that live in ECR (Docker Hub images need no permission). */
export function ecrRepositoryArns(partition: string, images: readonly string[]): string[] {
  const arns = images.flatMap((image) => {
    const m = ECR_IMAGE.exec(image);
    return m ? [`arn:${partition}:ecr:${m[2]}:${m[1]}:repository/${m[3]}`] : [];
  });
  return [...new Set(arns)].sort();
}

let issuerBundleOfProcess: LambdaBundle | undefined;

/** The issuer Lambda bundled once per process into `.build/issuer-lambda` (for stacks built without `issuerBundle`). */
export function defaultIssuerBundle(): LambdaBundle {
  issuerBundleOfProcess ??= bundleIssuerLambda(join(process.cwd(), ".build", "issuer-lambda"));
  return issuerBundleOfProcess;
}
