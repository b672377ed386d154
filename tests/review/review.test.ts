import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { App } from "cdktf";
import { CloudwatchLogGroup } from "@cdktf/provider-aws/lib/cloudwatch-log-group";
import { EcsTaskDefinition } from "@cdktf/provider-aws/lib/ecs-task-definition";
import { IamRolePolicy } from "@cdktf/provider-aws/lib/iam-role-policy";
import { SecretsmanagerSecret } from "@cdktf/provider-aws/lib/secretsmanager-secret";
import { SecurityGroup } from "@cdktf/provider-aws/lib/security-group";
import { SecurityGroupRule } from "@cdktf/provider-aws/lib/security-group-rule";
import { VpcSecurityGroupIngressRule } from "@cdktf/provider-aws/lib/vpc-security-group-ingress-rule";
import { VpcSecurityGroupEgressRule } from "@cdktf/provider-aws/lib/vpc-security-group-egress-rule";
import { SecretsmanagerSecretPolicy } from "@cdktf/provider-aws/lib/secretsmanager-secret-policy";
import { KmsKey } from "@cdktf/provider-aws/lib/kms-key";
import { KmsGrant } from "@cdktf/provider-aws/lib/kms-grant";
import { LambdaFunctionUrl } from "@cdktf/provider-aws/lib/lambda-function-url";
import { LambdaPermission } from "@cdktf/provider-aws/lib/lambda-permission";
import { VpcEndpoint } from "@cdktf/provider-aws/lib/vpc-endpoint";
import { parseDocument, stringify } from "yaml";
import { getEnvironment } from "../../config";
import { bundleRotationLambda } from "../../handlers/rotation/bundle";
import { EXIT, reviewOptionsFor, runReview } from "../../review/run";
import { diffPlans, parsePlan, renderDiff, renderReport, reviewPlan, RULE_NAMES, type Plan, type Report } from "../../review/core";
import type { JsonObject, PlannedResource } from "../../review/core/plan";
import { EnvironmentStack } from "../../stacks/environment-stack";
import { explainSkip, init, planJson, terraformSetup } from "../support/terraform";

/**
 * The review on real offline plans: dev through the command itself (synth, init, plan), staging and
 * prod, and dev with planted problems (one of each rule, in the three forms of ingress rule), then
 * the diff of dev and the planted stack. About 30 s; skips, saying why, without terraform.
 */
const setup = terraformSetup();
if (!setup.ok) explainSkip(setup.reason);
const describeTerraform = setup.ok ? describe : describe.skip;

/** `aws_iam_role_policy.planted-debug_1A2B3C4D` -> `aws_iam_role_policy.planted-debug`. */
const short = (address: string) => address.replace(/_[0-9A-F]{8}$/, "");

function capture(env: Record<string, string | undefined> = {}) {
  const out = { stdout: "", stderr: "" };
  return { out, io: { stdout: (t: string) => void (out.stdout += t), stderr: (t: string) => void (out.stderr += t), env } };
}

/** Dev plus one planted problem per rule, built from raw provider resources on the real stack. */
function plantProblems(stack: EnvironmentStack): void {
  new IamRolePolicy(stack, "planted-debug", {
    role: stack.accessPolicy.taskRoleName,
    policy: JSON.stringify({
      Version: "2012-10-17",
      Statement: [{ Sid: "Debug", Effect: "Allow", Action: ["s3:*"], Resource: ["arn:aws:s3:::rajee-dev-data/*", "arn:aws:s3:::someone-elses-bucket/*"] }],
    }),
  });
  new VpcSecurityGroupIngressRule(stack, "planted-alb-8443", { securityGroupId: stack.loadBalancer.securityGroupId, cidrIpv4: "0.0.0.0/0", fromPort: 8443, toPort: 8443, ipProtocol: "tcp" });
  new SecurityGroup(stack, "planted-bastion", { name: "rajee-dev-bastion", vpcId: stack.network.vpcId, ingress: [{ fromPort: 22, toPort: 22, protocol: "tcp", cidrBlocks: ["0.0.0.0/0"] }] });
  new SecurityGroupRule(stack, "planted-admin", { type: "ingress", securityGroupId: stack.proxyService.securityGroupId, sourceSecurityGroupId: stack.loadBalancer.securityGroupId, fromPort: 9901, toPort: 9901, protocol: "tcp" });
  new SecretsmanagerSecret(stack, "planted-secret", { name: "rajee-dev/planted/plain" });
  new CloudwatchLogGroup(stack, "planted-logs", { name: "/rajee/dev/planted", retentionInDays: 7 });
  new EcsTaskDefinition(stack, "planted-task", {
    family: "rajee-dev-planted",
    cpu: "256",
    memory: "512",
    networkMode: "awsvpc",
    requiresCompatibilities: ["FARGATE"],
    taskRoleArn: stack.accessPolicy.taskRoleArn,
    containerDefinitions: JSON.stringify([
      { name: "debug", image: "public.ecr.aws/docker/library/busybox:1.36", essential: true, portMappings: [{ containerPort: 9901, protocol: "tcp" }] },
      { name: "proxy", image: `envoyproxy/envoy@sha256:${"e".repeat(64)}`, essential: true, memory: 128, readonlyRootFilesystem: true, user: "101:101", linuxParameters: { initProcessEnabled: true }, command: ["--config-yaml", "admin: [unclosed"] },
    ]),
  });
  new VpcSecurityGroupEgressRule(stack, "planted-egress-all", { securityGroupId: stack.proxyService.securityGroupId, cidrIpv4: "0.0.0.0/0", ipProtocol: "-1" });
  new SecretsmanagerSecretPolicy(stack, "planted-secret-policy", {
    secretArn: "arn:aws:secretsmanager:eu-west-1:111111111111:secret:rajee-dev/planted/plain",
    policy: JSON.stringify({ Version: "2012-10-17", Statement: [{ Sid: "Anyone", Effect: "Allow", Principal: { AWS: "*" }, Action: "secretsmanager:GetSecretValue", Resource: "*" }] }),
  });
  const key = new KmsKey(stack, "planted-key", {
    enableKeyRotation: true,
    policy: JSON.stringify({ Version: "2012-10-17", Statement: [{ Sid: "OtherAccount", Effect: "Allow", Principal: { AWS: "arn:aws:iam::999999999999:root" }, Action: "kms:Decrypt", Resource: "*" }] }),
  });
  new KmsGrant(stack, "planted-grant", { keyId: key.keyId, granteePrincipal: stack.accessPolicy.taskRoleArn, operations: ["Decrypt", "CreateGrant"] });
  new LambdaFunctionUrl(stack, "planted-url", { functionName: "rajee-dev-planted-issuer", authorizationType: "NONE" });
  // Anyone may invoke the key-rotation Lambda; a listed invoker may invoke the issuer directly, by permission and by identity policy.
  new LambdaPermission(stack, "planted-any", { action: "lambda:InvokeFunction", functionName: stack.signingKeys.rotationFunctionName, principal: "*" });
  new LambdaPermission(stack, "planted-direct-invoke", { action: "lambda:InvokeFunction", functionName: stack.issuer.functionName, principal: stack.config.accountId });
  new IamRolePolicy(stack, "planted-invoke-issuer", {
    role: stack.accessPolicy.taskRoleName,
    policy: JSON.stringify({ Version: "2012-10-17", Statement: [{ Sid: "InvokeIssuer", Effect: "Allow", Action: "lambda:InvokeFunction", Resource: stack.issuer.functionArn }] }),
  });
  new VpcEndpoint(stack, "planted-s3-endpoint", {
    vpcId: stack.network.vpcId,
    serviceName: "com.amazonaws.eu-west-1.s3",
    policy: JSON.stringify({ Version: "2012-10-17", Statement: [{ Sid: "Everything", Effect: "Allow", Principal: "*", Action: "s3:*", Resource: "*" }] }),
  });
}

type Bootstrap = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** A copy of `plan` with each resource whose short address is a key edited, and `drop` left out: problems planted in the planned values. */
function editPlan(plan: Plan, edits: Record<string, (values: JsonObject) => void>, drop: readonly string[] = []): Plan {
  const resources = plan.resources
    .filter((r) => !drop.includes(short(r.address)))
    .map((r): PlannedResource => {
      const edit = edits[short(r.address)];
      if (!edit) return r;
      const values = structuredClone(r.values);
      edit(values);
      return { ...r, values };
    });
  return { ...plan, resources };
}

/** Edits the Envoy bootstrap inside the task definition's envoy container command. */
function editEnvoy(values: JsonObject, edit: (b: Bootstrap) => void): void {
  const defs = JSON.parse(values.container_definitions as string) as Array<{ name: string; command: string[] }>;
  const envoy = defs.find((d) => d.name === "envoy")!;
  const i = envoy.command.indexOf("--config-yaml") + 1;
  const bootstrap = parseDocument(envoy.command[i]!).toJS() as Bootstrap;
  edit(bootstrap);
  envoy.command[i] = stringify(bootstrap);
  values.container_definitions = JSON.stringify(defs);
}

const hcm = (b: Bootstrap) => b.static_resources.listeners[0].filter_chains[0].filters[0].typed_config;
const authz = (b: Bootstrap) => hcm(b).http_filters.find((f: Bootstrap) => f.name === "envoy.filters.http.ext_authz").typed_config;

describeTerraform("npm run review on offline plans", () => {
  const dir = mkdtempSync(join(tmpdir(), "rajee-review-test-"));
  const file = (name: string) => join(dir, name);
  const plans: Record<string, Plan> = {};
  const reports: Record<string, Report> = {};
  let devRun: { code: number; stderr: string; report: Report } | undefined;
  const expected: { edited?: Report; nine?: Report[] } = {};

  beforeAll(async () => {
    if (!setup.ok) return;
    // dev through the command, as a user runs it: no AWS credentials, so it plans offline.
    const { out, io } = capture({ PATH: process.env.PATH, HOME: process.env.HOME, TF_PLUGIN_MIRROR: process.env.TF_PLUGIN_MIRROR });
    const code = await runReview(["--env", "dev", "--format", "json", "--output", file("dev-report.json"), "--save-plan", file("dev-plan.json")], io);
    if (code === EXIT.failed) throw new Error(`npm run review -- --env dev could not plan:\n${out.stderr}`);
    devRun = { code, stderr: out.stderr, report: JSON.parse(readFileSync(file("dev-report.json"), "utf8")) as Report };
    plans.dev = parsePlan(JSON.parse(readFileSync(file("dev-plan.json"), "utf8")), "dev plan");

    const outdir = file("synth");
    const rotationBundle = bundleRotationLambda(join(outdir, "rotation"));
    const app = new App({ outdir });
    for (const name of ["staging", "prod"]) new EnvironmentStack(app, `rajee-${name}`, { config: getEnvironment(name), rotationBundle, offlinePlan: true, localBackend: true });
    plantProblems(new EnvironmentStack(app, "rajee-dev-planted", { config: getEnvironment("dev"), rotationBundle, offlinePlan: true, localBackend: true }));
    app.synth();
    const stacks = ["rajee-staging", "rajee-prod", "rajee-dev-planted"];
    // Inits one at a time (inits sharing a plugin cache collide when run together); the plans, which
    // only read what init installed, side by side.
    for (const stack of stacks) await init(setup, join(outdir, "stacks", stack), true);
    await Promise.all(
      stacks.map(async (stack) => {
        const json = await planJson(setup, join(outdir, "stacks", stack));
        writeFileSync(file(`${stack}.json`), JSON.stringify(json));
        plans[stack] = parsePlan(json, stack);
      }),
    );
    for (const name of ["staging", "prod"]) reports[name] = reviewPlan(plans[`rajee-${name}`]!, reviewOptionsFor(name));
    reports.planted = reviewPlan(plans["rajee-dev-planted"]!, reviewOptionsFor("dev"));
  }, 180_000);

  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
    if (setup.ok) rmSync(setup.workDir, { recursive: true, force: true });
  });

  describe("the dev report", () => {
    it("plans offline through the command and passes every rule", () => {
      expect(devRun!.code).toBe(EXIT.passed);
      expect(devRun!.stderr).toMatch(/^review: synthesized rajee-dev in \d+ ms \(offline: dummy credentials, local state\)\nreview: terraform init in \d+ ms\nreview: terraform plan and show in \d+ ms\n$/);
      const r = devRun!.report;
      expect({ passed: r.passed, summary: r.summary, destructive: r.destructive, violations: r.violations, unused: r.unusedSuppressions }).toEqual({
        passed: true,
        summary: { create: plans.dev!.resources.length, update: 0, replace: 0, destroy: 0, unchanged: 0 },
        destructive: [],
        violations: [],
        unused: [],
      });
      // Nothing suppressed and nothing flagged: the benign statements are recognised by their form.
      expect(r.suppressed).toEqual([]);
      expect(r.iam.statements.filter((s) => s.wildcards.length > 0)).toEqual([]);
      expect(r.iam.statements.filter((s) => s.benign !== undefined).map((s) => [short(s.address).split(".")[0], s.sid])).toEqual(
        expect.arrayContaining([["aws_kms_key", "EnableIamPoliciesOfTheAccount"], ["aws_s3_bucket_policy", "DenyInsecureTransport"], ["aws_iam_role_policy", "EcrLogin"]]),
      );
    });

    it("lists the task role's S3 statements exactly, on the configured bucket only", () => {
      const task = devRun!.report.iam.statements.filter((s) => short(s.address) === "aws_iam_role_policy.access-policy_task-policy");
      expect(task.map((s) => [s.sid, s.actions, s.resources, s.conditions])).toEqual([
        ["Bucket0Objects", ["s3:GetObject", "s3:GetObjectVersion", "s3:GetObjectAttributes", "s3:GetObjectVersionAttributes", "s3:GetObjectTagging", "s3:GetObjectVersionTagging", "s3:PutObject", "s3:PutObjectTagging", "s3:AbortMultipartUpload", "s3:ListMultipartUploadParts", "s3:DeleteObject", "s3:DeleteObjectVersion"], ["arn:aws:s3:::rajee-dev-data/*"], []],
        ["Bucket0List", ["s3:ListBucket", "s3:ListBucketVersions"], ["arn:aws:s3:::rajee-dev-data"], []],
        ["Bucket0Bucket", ["s3:ListBucketMultipartUploads", "s3:GetBucketLocation"], ["arn:aws:s3:::rajee-dev-data"], []],
        ["ReadJwks", ["secretsmanager:GetSecretValue"], ["${aws_secretsmanager_secret.signing-keys_jwks_7610E1CA.arn}"], []],
        ["DecryptJwksThroughSecretsManager", ["kms:Decrypt"], ["${aws_kms_key.signing-keys_key_899FD59C.arn}"], ["StringEquals kms:ViaService=secretsmanager.eu-west-1.amazonaws.com"]],
      ]);
      expect(devRun!.report.iam.unresolved).toEqual([]);
    });

    it("shows the exposure, encryption and containers a reviewer checks", () => {
      const r = devRun!.report;
      expect(r.network.ingress.filter((i) => i.public).map((i) => [short(i.securityGroup), i.source, i.fromPort, i.toPort])).toEqual([
        ["aws_security_group.load-balancer_sg", "0.0.0.0/0", 80, 80],
        ["aws_security_group.load-balancer_sg", "0.0.0.0/0", 443, 443],
      ]);
      expect(r.network.listeners.map((l) => [l.port, l.protocol, l.sslPolicy, l.action.split(" ")[0], l.internetFacing])).toEqual([
        [80, "HTTP", "-", "redirect", true],
        [443, "HTTPS", "ELBSecurityPolicy-TLS13-1-2-2021-06", "forward", true],
      ]);
      expect(r.network.subnets.filter((s) => s.internetRoute).map((s) => s.cidr)).toEqual(["10.10.192.0/21", "10.10.200.0/21"]);
      expect(r.encryption.filter((e) => !e.customerKey).map((e) => [e.kind, e.encryption])).toEqual([["S3 bucket", "SSE-S3 (AES256)"]]);
      expect(r.containers.containers.map((c) => [c.name, c.memoryMiB, c.memoryReservationMiB, c.readonlyRootFilesystem, c.user, c.ports, c.healthCheck !== undefined])).toEqual([
        ["authorizer", 384, 192, true, "10001:10001", [], true],
        ["envoy", 384, 192, true, "101:101", ["8080/tcp", "8081/tcp"], true],
        ["otel-collector", 256, 128, true, "10001:10001", [], true],
      ]);
    });

    it("renders the Markdown a reviewer reads: verdict and totals first, then each section", async () => {
      const md = renderReport(reviewPlan(plans.dev!, reviewOptionsFor("dev")));
      const { out, io } = capture();
      expect(await runReview(["--env", "dev", "--plan", file("dev-plan.json")], io)).toBe(EXIT.passed);
      expect(out.stdout).toBe(md);
      const lines = md.split("\n");
      expect(lines.slice(0, 8)).toEqual([
        "<!-- rajee-plan-review env=dev -->",
        "## Plan review: `dev` · ✅ policy rules pass",
        "",
        `**${plans.dev!.resources.length} to create, 0 to update, 0 to replace, 0 to destroy**, 0 unchanged · terraform 1.11.4`,
        "",
        "No stateful resource is replaced or destroyed.",
        "",
        `All ${RULE_NAMES.length} policy rules pass.`,
      ]);
      expect(lines.filter((l) => l.startsWith("### "))).toEqual([
        `### IAM statements (${devRun!.report.iam.statements.length}, 0 with wildcards)`,
        "### Network exposure (2 public ingress rules 🌐)",
        "### Encryption at rest",
        "### Containers",
        `### Envoy configuration (${devRun!.report.envoy[0]!.where})`,
        "### Who may invoke the issuer",
      ]);
      expect(md).not.toContain("⚠️");
      expect(md).toContain("| `ext_authz.failure_mode_allow` | `false` |");
      expect(md).toContain("| `aws_security_group.load-balancer_sg_8593D871` | load balancer aws_lb.load-balancer_alb_15AADC07 | 🌐 `0.0.0.0/0` | tcp 443 | HTTPS from clients |");
      expect(md).toContain("| `aws_lb_listener.load-balancer_https_7F5E2DEF` | `aws_lb.load-balancer_alb_15AADC07` (internet-facing) | HTTPS 443 | `ELBSecurityPolicy-TLS13-1-2-2021-06` | forward to aws_lb_target_group.load-balancer_targets_76E21F94 |");
      expect(md).toContain("| `rajee-dev-gateway` | **authorizer** | `111111111111.dkr.ecr.eu-west-1.amazonaws.com/rajee-authorizer:0.1.0` (tag, not digest) | 192 | 384 MiB (reserve 192) | `node /app/healthcheck.js` | yes | `10001:10001` | - | no |");
      expect(md).toMatchSnapshot();
    });
  });

  it.each(["staging", "prod"])("passes every rule on %s with nothing suppressed and no warning", (name) => {
    const r = reports[name]!;
    expect({ passed: r.passed, violations: r.violations, suppressed: r.suppressed.length, unused: r.unusedSuppressions, destructive: r.destructive }).toEqual({ passed: true, violations: [], suppressed: 0, unused: [], destructive: [] });
    expect(renderReport(r)).not.toContain("⚠️");
  });

  describe("dev with planted problems", () => {
    it("fires each rule on its planted resource and on nothing else", () => {
      expect(reports.planted!.violations.map((v) => [v.rule, short(v.address), v.message.replace(/_[0-9A-F]{8}\b/g, "")])).toEqual([
        ["iam-wildcard-action", "aws_iam_role_policy.planted-debug", "policy statement Debug allows s3:*"],
        ["iam-wildcard-action", "aws_vpc_endpoint.planted-s3-endpoint", "policy statement Everything allows s3:*"],
        ["public-ingress", "aws_vpc_security_group_ingress_rule.planted-alb-8443", "aws_security_group.load-balancer_sg (load balancer aws_lb.load-balancer_alb) accepts tcp 8443 from 0.0.0.0/0; a load balancer may take only 443 and 80 from the internet"],
        ["public-ingress", "aws_security_group.planted-bastion", "aws_security_group.planted-bastion (attached to nothing in this plan) accepts tcp 22 from 0.0.0.0/0; only the load balancer may take public traffic"],
        ["admin-port-exposed", "aws_security_group_rule.planted-admin", "aws_security_group.proxy-service_tasks-sg accepts tcp 9901 from security group aws_security_group.load-balancer_sg, which includes 9901 (Envoy admin)"],
        ["admin-port-exposed", "aws_ecs_task_definition.planted-task", "container debug publishes port 9901 (Envoy admin)"],
        ["unencrypted-secret", "aws_secretsmanager_secret.planted-secret", "secret rajee-dev/planted/plain has no kms_key_id: it is encrypted only with the AWS managed key, which every principal with secretsmanager access in the account can use"],
        ["unencrypted-log-group", "aws_cloudwatch_log_group.planted-logs", "log group /rajee/dev/planted has no kms_key_id; the gateway's logs carry request paths and decision reasons"],
        ["container-without-memory-limit", "aws_ecs_task_definition.planted-task", "container debug has no memory limit: one leaking container can starve the other in the task"],
        ["container-hardening", "aws_ecs_task_definition.planted-task", "container debug runs with a writable root filesystem (set readonlyRootFilesystem: true); the image's default user, often root (set user to a numeric non-root uid:gid); no init process to forward SIGTERM (set linuxParameters.initProcessEnabled: true)"],
        ["task-role-s3-outside-buckets", "aws_iam_role_policy.planted-debug", "task role aws_iam_role.access-policy_task-role, policy statement Debug: bucket someone-elses-bucket is not configured (configured: rajee-dev-data)"],
        ["envoy-config-unreadable", "aws_ecs_task_definition.planted-task", "container proxy's Envoy config: --config-yaml does not parse (Flow sequence in block collection must be sufficiently indented and end with a ] at line 1, column 17:); render it with envoy-templates (renderEnvoyYaml)"],
        ["egress-to-internet", "aws_vpc_security_group_egress_rule.planted-egress-all", "aws_vpc_security_group_egress_rule.planted-egress-all allows all traffic out to 0.0.0.0/0 (cidr_ipv4/cidr_blocks); remove it: egress goes to the S3 prefix list (prefix_list_id) or the endpoints' security group (referenced_security_group_id)"],
        ["secret-policy-open", "aws_secretsmanager_secret_policy.planted-secret-policy", "aws_secretsmanager_secret_policy.planted-secret-policy statement Anyone lets anyone call secretsmanager:GetSecretValue without a condition that confines the caller; name the reading role"],
        ["kms-key-policy-open", "aws_kms_key.planted-key", "aws_kms_key.planted-key statement OtherAccount allows AWS:arn:aws:iam::999999999999:root from another account; grant only principals of 111111111111"],
        ["kms-grant-delegation", "aws_kms_grant.planted-grant", "KMS grant aws_kms_grant.planted-grant includes CreateGrant, so aws_iam_role.access-policy_task-role can grant the key on; remove CreateGrant"],
        ["lambda-url-auth", "aws_lambda_function_url.planted-url", "Function URL aws_lambda_function_url.planted-url authorization_type=NONE: anyone on the internet can invoke it; set it to AWS_IAM"],
        ["lambda-permission-open", "aws_lambda_permission.planted-any", "permission aws_lambda_permission.planted-any lets anyone (the principals of every AWS account, and every AWS service) call lambda:InvokeFunction on function rajee-dev-key-rotation; set principal to the one account id or role ARN that calls it"],
        [
          "issuer-invokers",
          "aws_lambda_permission.planted-direct-invoke",
          "permission aws_lambda_permission.planted-direct-invoke grants 111111111111 lambda:InvokeFunction on issuer rajee-dev-issuer without invoked_via_function_url = true: the caller can invoke the function directly (Invoke API, not the Function URL) with an event it writes itself, and the issuer takes the caller's identity from the event (requestContext.authorizer.iam.userArn), so the caller chooses whose token it gets; set invoked_via_function_url = true (aws provider 6.x), or grant it as an AWS::Lambda::Permission with InvokedViaFunctionUrl: true in CloudFormation as modules/issuer does (listing the principal in issuer.invokers does not close this)",
        ],
        [
          "issuer-invokers",
          "aws_iam_role_policy.planted-invoke-issuer",
          "identity statement aws_iam_role_policy.planted-invoke-issuer InvokeIssuer allows rajee-dev-task lambda:InvokeFunction on issuer rajee-dev-issuer without the condition Bool lambda:InvokedViaFunctionUrl = true: the caller can invoke the function directly (Invoke API, not the Function URL) with an event it writes itself, and the issuer takes the caller's identity from the event (requestContext.authorizer.iam.userArn), so the caller chooses whose token it gets; add that condition to the statement, or allow only lambda:InvokeFunctionUrl",
        ],
        ["s3-endpoint-policy-open", "aws_vpc_endpoint.planted-s3-endpoint", "aws_vpc_endpoint.planted-s3-endpoint statement Everything allows s3:* on every bucket to anyone; list the environment's buckets (and the image registry's) as resources"],
      ]);
    });

    it("fires the Envoy, load balancer, WAF and image rules on problems planted in dev's planned values", () => {
      const edited = editPlan(
        plans.dev!,
        {
          "aws_ecs_task_definition.proxy-service_task": (v) =>
            editEnvoy(v, (b) => {
              authz(b).failure_mode_allow = true;
              authz(b).http_service.server_uri.timeout = "30s";
              hcm(b).merge_slashes = true;
              authz(b).http_service.authorization_response.allowed_upstream_headers.patterns.push({ prefix: "x-amz-", ignore_case: true });
              authz(b).with_request_body = { max_request_bytes: 1048576 };
              hcm(b).http_filters = hcm(b).http_filters.filter((f: Bootstrap) => f.name !== "rajee.strip_internal_headers");
              b.admin.address.socket_address.address = "0.0.0.0";
              hcm(b).access_log[0].typed_config.log_format.json_format.path = "%REQ(:PATH)%";
              hcm(b).http_protocol_options.accept_http_10 = true;
              delete b.static_resources.clusters.find((c: Bootstrap) => c.name === "s3").outlier_detection.enforcing_consecutive_5xx;
            }),
          "aws_lb.load-balancer_alb": (v) => Object.assign(v, { drop_invalid_header_fields: false, desync_mitigation_mode: "monitor", enable_deletion_protection: false, access_logs: [{ enabled: false, bucket: "" }] }),
          "aws_lb_listener.load-balancer_https": (v) => Object.assign(v, { ssl_policy: "ELBSecurityPolicy-2016-08" }),
          "aws_lb_listener.load-balancer_http-redirect": (v) => Object.assign(v, { default_action: [{ type: "forward" }] }),
        },
        ["aws_wafv2_web_acl_association.load-balancer_waf-association"],
      );
      const r = reviewPlan(edited, { ...reviewOptionsFor("dev"), requireDeletionProtection: true, requireImageDigests: true });
      expect(r.violations.map((v) => [v.rule, short(v.address), v.subject])).toEqual([
        ["admin-port-exposed", "aws_ecs_task_definition.proxy-service_task", "envoy"],
        ["envoy-config-drift", "aws_ecs_task_definition.proxy-service_task", "--config-yaml"],
        ["envoy-authz-fail-open", "aws_ecs_task_definition.proxy-service_task", "failure_mode_allow"],
        ["envoy-authz-timeout", "aws_ecs_task_definition.proxy-service_task", "server_uri.timeout"],
        ["envoy-path-normalisation", "aws_ecs_task_definition.proxy-service_task", "merge_slashes"],
        ["envoy-upstream-headers", "aws_ecs_task_definition.proxy-service_task", "allowed_upstream_headers"],
        ["envoy-request-body-scope", "aws_ecs_task_definition.proxy-service_task", "with_request_body"],
        ["envoy-header-filters", "aws_ecs_task_definition.proxy-service_task", "rajee.strip_internal_headers"],
        ["envoy-admin-address", "aws_ecs_task_definition.proxy-service_task", "admin.address"],
        ["envoy-access-log", "aws_ecs_task_definition.proxy-service_task", "path"],
        ["envoy-request-head", "aws_ecs_task_definition.proxy-service_task", "accept_http_10"],
        ["envoy-outlier-ejection", "aws_ecs_task_definition.proxy-service_task", "s3"],
        ["alb-tls-policy", "aws_lb_listener.load-balancer_https", "ssl_policy"],
        ["alb-invalid-headers", "aws_lb.load-balancer_alb", "drop_invalid_header_fields"],
        ["alb-desync-mode", "aws_lb.load-balancer_alb", "desync_mitigation_mode"],
        ["alb-http-redirect", "aws_lb_listener.load-balancer_http-redirect", "default_action"],
        ["alb-deletion-protection", "aws_lb.load-balancer_alb", "enable_deletion_protection"],
        ["alb-access-logs", "aws_lb.load-balancer_alb", "access_logs"],
        ["waf-association", "aws_lb.load-balancer_alb", "aws_wafv2_web_acl_association"],
        ["image-not-pinned-by-digest", "aws_ecs_task_definition.proxy-service_task", "authorizer"],
      ]);
      for (const v of r.violations) expect(v.message).toMatch(/set|use|bind|remove|pin|enable|associate|must|log/);
      expected.edited = r;
    });

    it("fails each problem the second review planted, naming the resource, the setting and the fix", () => {
      const dev = reviewOptionsFor("dev");
      const review = (plan: Plan, options = dev) => reviewPlan(plan, options);
      const found = (r: Report) => r.violations.map((v) => [v.rule, short(v.address), v.subject]);
      const secretPolicy = "aws_secretsmanager_secret_policy.signing-keys_private-key-policy";
      const editSecretDeny = (edit: (statement: Bootstrap) => void) => (v: JsonObject) => {
        const doc = JSON.parse(v.policy as string) as { Statement: Bootstrap[] };
        edit(doc.Statement.find((x) => x.Effect === "Deny")!);
        v.policy = JSON.stringify(doc);
      };
      const reports9: Report[] = [];
      const check = (r: Report, want: unknown[][], fix: RegExp) => {
        expect(found(r)).toEqual(want);
        for (const v of r.violations) expect(v.message).toMatch(fix);
        reports9.push(r);
      };

      // 1. The private key's resource policy removed.
      check(review(editPlan(plans.dev!, {}, [secretPolicy])), [["private-key-deny", "aws_secretsmanager_secret.signing-keys_private-key", "aws_secretsmanager_secret_policy"]], /add an aws_secretsmanager_secret_policy with a Deny of secretsmanager:GetSecretValue/);
      // 2. Its Deny narrowed to PutSecretValue, or keyed on the wrong condition key.
      check(review(editPlan(plans.dev!, { [secretPolicy]: editSecretDeny((d) => (d.Action = ["secretsmanager:PutSecretValue"])) })), [["private-key-deny", secretPolicy, "policy"]], /does not cover secretsmanager:GetSecretValue.*; deny secretsmanager:GetSecretValue to Principal "\*"/);
      check(review(editPlan(plans.dev!, { [secretPolicy]: editSecretDeny((d) => (d.Condition = { StringNotEquals: { "aws:username": Object.values(d.Condition.StringNotEquals)[0] } })) })), [["private-key-deny", secretPolicy, "policy"]], /its condition key is aws:username, not aws:PrincipalArn/);
      // 3. A key-policy Allow to AWS:* under a negative condition.
      const openKey = editPlan(plans.dev!, {
        "aws_kms_key.log-groups_key": (v) => {
          const doc = JSON.parse(v.policy as string) as { Statement: Bootstrap[] };
          doc.Statement.push({ Sid: "AnyoneButOne", Effect: "Allow", Principal: { AWS: "*" }, Action: "kms:Decrypt", Resource: "*", Condition: { StringNotEquals: { "aws:PrincipalArn": "arn:aws:iam::111111111111:role/intruder" } } });
          v.policy = JSON.stringify(doc);
        },
      });
      check(review(openKey), [["kms-key-policy-open", "aws_kms_key.log-groups_key", "AnyoneButOne"]], /without a condition that confines the caller \(StringNotEquals aws:PrincipalArn=.*does not\); name the principal/);
      // 4. Egress tcp/443 to 0.0.0.0/0.
      const egress = editPlan(plans.dev!, { "aws_vpc_security_group_egress_rule.proxy-service_https-out-endpoints-0": (v) => Object.assign(v, { cidr_ipv4: "0.0.0.0/0", referenced_security_group_id: null }) });
      check(review(egress), [["egress-to-internet", "aws_vpc_security_group_egress_rule.proxy-service_https-out-endpoints-0", "0.0.0.0/0 tcp"]], /allows tcp 443 out to 0\.0\.0\.0\/0.*prefix_list_id/);
      // 5. WAF logging's redaction removed.
      const waf = editPlan(plans.dev!, { "aws_wafv2_web_acl_logging_configuration.load-balancer_waf-logging": (v) => (v.redacted_fields = (v.redacted_fields as JsonObject[]).slice(0, 1)) });
      check(review(waf), [["waf-log-redaction", "aws_wafv2_web_acl_logging_configuration.load-balancer_waf-logging", "redacted_fields"]], /does not redact header x-amz-security-token, the query string.*add redacted_fields/);
      // 6. accept_http_10's default flipped in the settings: the plan and the rendering agree, the safe value does not.
      let flipped: Bootstrap | undefined;
      const http10 = editPlan(plans.dev!, { "aws_ecs_task_definition.proxy-service_task": (v) => editEnvoy(v, (b) => ((hcm(b).http_protocol_options.accept_http_10 = true), (flipped = b))) });
      const agreeing = { ...dev, envoy: { ...dev.envoy!, rendered: flipped, settings: { ...dev.envoy!.settings, downstreamHttp: { ...dev.envoy!.settings.downstreamHttp, acceptHttp10: true } } } };
      check(review(http10, agreeing), [["envoy-request-head", "aws_ecs_task_definition.proxy-service_task", "accept_http_10"]], /accept_http_10=true; set it to false/);
      // 7. With --base, a bootstrap change is not a resolved drift (the base was rendered by the base branch).
      const oldBootstrap = editPlan(plans.dev!, { "aws_ecs_task_definition.proxy-service_task": (v) => editEnvoy(v, (b) => (hcm(b).request_headers_timeout = "20s")) });
      const diff = diffPlans(oldBootstrap, plans.dev!, dev);
      expect([diff.passed, diff.violations.added, diff.violations.resolved, diff.violations.remaining]).toEqual([true, [], [], []]);
      expect(renderDiff(diff)).not.toContain("resolves");
      // 8. A route to S3 with ext_authz disabled.
      const bypass = editPlan(plans.dev!, {
        "aws_ecs_task_definition.proxy-service_task": (v) =>
          editEnvoy(v, (b) => {
            const route = hcm(b).route_config.virtual_hosts[0].routes.find((r: Bootstrap) => r.name === "get_retried");
            route.typed_per_filter_config = { "envoy.filters.http.ext_authz": { "@type": "type.googleapis.com/envoy.extensions.filters.http.ext_authz.v3.ExtAuthzPerRoute", disabled: true } };
          }),
      });
      check(review(bypass), [["envoy-config-drift", "aws_ecs_task_definition.proxy-service_task", "--config-yaml"], ["envoy-authz-bypass", "aws_ecs_task_definition.proxy-service_task", "route s3/s3/get_retried"]], /change envoySettings|must be a direct_response/);
      // 9. Deletion protection and digests from the config: staging pins by digest, every environment protects the load balancer.
      const unprotected = editPlan(plans.dev!, { "aws_lb.load-balancer_alb": (v) => (v.enable_deletion_protection = false) });
      check(review(unprotected), [["alb-deletion-protection", "aws_lb.load-balancer_alb", "enable_deletion_protection"]], /set it to true/);
      expect(found(review(plans.dev!, reviewOptionsFor("staging"))).filter(([rule]) => rule === "image-not-pinned-by-digest")).toEqual([["image-not-pinned-by-digest", "aws_ecs_task_definition.proxy-service_task", "authorizer"]]);
      // 10. The authorizer told no deny list; or its task role's read of the deny list removed.
      const unwired = editPlan(plans.dev!, {
        "aws_ecs_task_definition.proxy-service_task": (v) => {
          const defs = JSON.parse(v.container_definitions as string) as Array<{ name: string; environment?: Array<{ name: string; value: string }> }>;
          const authorizer = defs.find((d) => d.name === "authorizer")!;
          authorizer.environment = authorizer.environment!.filter((e) => e.name !== "RAJEE_DENY_LIST_SECRET_ARN");
          v.container_definitions = JSON.stringify(defs);
        },
      });
      check(review(unwired), [["deny-list-unwired", "aws_ecs_task_definition.proxy-service_task", "authorizer"]], /no token can be revoked; pass the DenyList secret/);
      check(review(editPlan(plans.dev!, {}, ["aws_iam_role_policy.deny-list_read-policy"])), [["deny-list-unwired", "aws_ecs_task_definition.proxy-service_task", "authorizer"]], /may not secretsmanager:GetSecretValue on its deny list aws_secretsmanager_secret\.deny-list_secret/);
      expected.nine = reports9;
    });

    it("fails an issuer that anyone, or anyone the config does not list, may invoke, and shows who may", () => {
      const dev = reviewOptionsFor("dev");
      const permission = "aws_lambda_permission.issuer_invoke-url-InvokeUrl-111111111111";
      expect(reviewPlan(plans.dev!, dev).invokers.map((i) => [i.principal, i.action, short(i.source.split(" ")[0]!)])).toEqual([
        ["111111111111", "lambda:InvokeFunctionUrl", permission],
        ["111111111111", "lambda:InvokeFunction", "aws_cloudformation_stack.issuer_invoke-through-url"],
      ]);
      const none = reviewPlan(editPlan(plans.dev!, { "aws_lambda_function_url.issuer_url": (v) => (v.authorization_type = "NONE") }), dev);
      expect(none.violations.map((v) => [v.rule, short(v.address)])).toEqual([["lambda-url-auth", "aws_lambda_function_url.issuer_url"]]);
      const anyone = reviewPlan(editPlan(plans.dev!, { [permission]: (v) => (v.principal = "*") }), dev);
      expect(anyone.violations.map((v) => [v.rule, short(v.address), v.subject])).toEqual([["lambda-permission-open", permission, "principal"], ["issuer-invokers", permission, "principal"]]);
      // The permission keeps function_url_auth_type=AWS_IAM: * is any signed-in principal of any account, not a call without IAM auth.
      expect(anyone.violations[0]!.message.replace(/_[0-9A-F]{8}\b/g, "")).toBe(
        `permission ${permission} lets any signed-in principal of any AWS account (AWS_IAM checks the signature, not whose account it is) call lambda:InvokeFunctionUrl on function rajee-dev-issuer; set principal to the one account id or role ARN that calls it`,
      );
      const stranger = reviewPlan(editPlan(plans.dev!, { [permission]: (v) => (v.principal = "arn:aws:iam::999999999999:role/stranger") }), dev);
      expect(stranger.violations.map((v) => [v.rule, short(v.address), v.message.replace(/_[0-9A-F]{8}\b/g, "")])).toEqual([
        ["issuer-invokers", permission, `permission ${permission} lets arn:aws:iam::999999999999:role/stranger call lambda:InvokeFunctionUrl on issuer rajee-dev-issuer, but the config's issuer.invokers lists 111111111111; add the principal to issuer.invokers in config/<env>.ts or remove the permission`],
      ]);
      // The CloudFormation grant of lambda:InvokeFunction without InvokedViaFunctionUrl, or to anyone.
      const stack = "aws_cloudformation_stack.issuer_invoke-through-url";
      const editTemplate = (edit: (properties: Bootstrap) => void) => (v: JsonObject) => {
        const template = JSON.parse(v.template_body as string) as { Resources: Record<string, { Properties: Bootstrap }> };
        for (const r of Object.values(template.Resources)) edit(r.Properties);
        v.template_body = JSON.stringify(template);
      };
      const direct = reviewPlan(editPlan(plans.dev!, { [stack]: editTemplate((p) => delete p.InvokedViaFunctionUrl) }), dev);
      expect(direct.violations.map((v) => [v.rule, short(v.address), v.subject])).toEqual([["issuer-invokers", stack, "InvokedViaFunctionUrl"]]);
      expect(direct.violations[0]!.message.replace(/_[0-9A-F]{8}\b/g, "")).toBe(
        `permission ${stack} InvokeUrl111111111111 (AWS::Lambda::Permission) grants 111111111111 lambda:InvokeFunction on issuer rajee-dev-issuer without InvokedViaFunctionUrl = true: the caller can invoke the function directly (Invoke API, not the Function URL) with an event it writes itself, and the issuer takes the caller's identity from the event (requestContext.authorizer.iam.userArn), so the caller chooses whose token it gets; set InvokedViaFunctionUrl: true on the AWS::Lambda::Permission (listing the principal in issuer.invokers does not close this)`,
      );
      expect(renderReport(direct)).toContain("⚠️ `lambda:InvokeFunction` (direct invoke, not only through the URL)");
      const anyoneThroughUrl = reviewPlan(editPlan(plans.dev!, { [stack]: editTemplate((p) => (p.Principal = "*")) }), dev);
      expect(anyoneThroughUrl.violations.map((v) => [v.rule, short(v.address), v.subject])).toEqual([["lambda-permission-open", stack, "Principal"], ["issuer-invokers", stack, "principal"]]);
      const md = renderDiff(diffPlans(plans.dev!, editPlan(plans.dev!, { [permission]: (v) => (v.principal = "arn:aws:iam::999999999999:role/stranger") }), dev));
      expect(md).toContain("### Who may invoke the issuer");
      expect(md).toContain("| ✏️ now | `arn:aws:iam::999999999999:role/stranger` | `lambda:InvokeFunctionUrl` |");
      expect(renderReport(reviewPlan(plans.dev!, dev))).toContain("### Who may invoke the issuer");
      expected.nine = [...(expected.nine ?? []), none, anyone, stranger, direct, anyoneThroughUrl];
    });

    it("fires every rule of docs/plan-review.md on one planted problem or another", () => {
      const fired = new Set([...reports.planted!.violations, ...expected.edited!.violations, ...expected.nine!.flatMap((r) => r.violations)].map((v) => v.rule));
      expect([...RULE_NAMES].filter((rule) => !fired.has(rule))).toEqual([]);
    });

    it("shows the five problems a reviewer planted, with a was/now table for the Envoy settings", () => {
      const planted = editPlan(
        plans.dev!,
        {
          "aws_ecs_task_definition.proxy-service_task": (v) =>
            editEnvoy(v, (b) => {
              authz(b).failure_mode_allow = true;
              hcm(b).merge_slashes = true;
            }),
          "aws_lb.load-balancer_alb": (v) => Object.assign(v, { drop_invalid_header_fields: false, desync_mitigation_mode: "monitor" }),
        },
        ["aws_wafv2_web_acl_association.load-balancer_waf-association"],
      );
      const withEgress = { ...planted, resources: [...planted.resources, ...plans["rajee-dev-planted"]!.resources.filter((r) => short(r.address) === "aws_vpc_security_group_egress_rule.planted-egress-all")] };
      const diff = diffPlans(plans.dev!, withEgress, reviewOptionsFor("dev"));
      expect(diff.violations.added.map((v) => v.rule)).toEqual(["envoy-config-drift", "envoy-authz-fail-open", "envoy-path-normalisation", "alb-invalid-headers", "alb-desync-mode", "waf-association", "egress-to-internet"]);
      const md = renderDiff(diff);
      expect(md).toContain("| `ext_authz.failure_mode_allow` | `false` | `true` |");
      expect(md).toContain("| `merge_slashes` | `false` | `true` |");
    });

    it("fails the command with exit 1 and the report names every rule", async () => {
      const { out, io } = capture();
      expect(await runReview(["--env", "dev", "--plan", file("rajee-dev-planted.json")], io)).toBe(EXIT.violations);
      expect(out.stderr).toBe("review: policy rules failed for dev; see the report's violations\n");
      expect(out.stdout.split("\n")[1]).toBe(`## Plan review: \`dev\` · ❌ ${reports.planted!.violations.length} policy violations`);
      for (const rule of new Set(reports.planted!.violations.map((v) => v.rule))) expect(out.stdout).toContain(`| \`${rule}\` | \``);
    });

    it("diffs against dev: only the planted resources, statements, rules and violations", async () => {
      const diff = diffPlans(plans.dev!, plans["rajee-dev-planted"]!, reviewOptionsFor("dev"));
      expect(diff.resources.map((r) => [short(r.address), r.base, r.head])).toEqual([
        ["aws_cloudwatch_log_group.planted-logs", "absent", "create"],
        ["aws_ecs_task_definition.planted-task", "absent", "create"],
        ["aws_iam_role_policy.planted-debug", "absent", "create"],
        ["aws_iam_role_policy.planted-invoke-issuer", "absent", "create"],
        ["aws_kms_grant.planted-grant", "absent", "create"],
        ["aws_kms_key.planted-key", "absent", "create"],
        ["aws_lambda_function_url.planted-url", "absent", "create"],
        ["aws_lambda_permission.planted-any", "absent", "create"],
        ["aws_lambda_permission.planted-direct-invoke", "absent", "create"],
        ["aws_secretsmanager_secret.planted-secret", "absent", "create"],
        ["aws_secretsmanager_secret_policy.planted-secret-policy", "absent", "create"],
        ["aws_security_group.planted-bastion", "absent", "create"],
        ["aws_security_group_rule.planted-admin", "absent", "create"],
        ["aws_vpc_endpoint.planted-s3-endpoint", "absent", "create"],
        ["aws_vpc_security_group_egress_rule.planted-egress-all", "absent", "create"],
        ["aws_vpc_security_group_ingress_rule.planted-alb-8443", "absent", "create"],
      ]);
      expect(diff.iam.added.map((s) => [short(s.address), s.sid])).toEqual([
        ["aws_iam_role_policy.planted-debug", "Debug"],
        ["aws_iam_role_policy.planted-invoke-issuer", "InvokeIssuer"],
        ["aws_kms_key.planted-key", "OtherAccount"],
        ["aws_secretsmanager_secret_policy.planted-secret-policy", "Anyone"],
        ["aws_vpc_endpoint.planted-s3-endpoint", "Everything"],
      ]);
      expect(diff.ingress.added.map((i) => [short(i.address), i.fromPort])).toEqual([
        ["aws_vpc_security_group_ingress_rule.planted-alb-8443", 8443],
        ["aws_security_group.planted-bastion", 22],
        ["aws_security_group_rule.planted-admin", 9901],
      ]);
      expect([diff.iam.removed, diff.iam.changed, diff.ingress.removed, diff.violations.resolved, diff.violations.remaining]).toEqual([[], [], [], [], []]);
      expect(diff.violations.added).toHaveLength(reports.planted!.violations.length);

      const { out, io } = capture();
      expect(await runReview(["--env", "dev", "--plan", file("rajee-dev-planted.json"), "--base", file("dev-plan.json")], io)).toBe(EXIT.violations);
      expect(out.stdout.split("\n").slice(0, 2)).toEqual(["<!-- rajee-plan-review env=dev -->", `## Plan review: \`dev\`, changes from the base plan · ❌ ${reports.planted!.violations.length} policy violations`]);
      expect(out.stdout.split("\n").filter((l) => l.startsWith("### "))).toEqual([
        "### ❌ New policy violations",
        "### Resources planned differently",
        "### IAM statements",
        "### Ingress",
        "### Encryption at rest",
        "### Containers",
        "### Envoy settings",
        "### Who may invoke the issuer",
      ]);
    });
  });
});
