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
import { getEnvironment } from "../../config";
import { bundleRotationLambda } from "../../handlers/rotation/bundle";
import { EXIT, reviewOptionsFor, runReview } from "../../review/run";
import { diffPlans, parsePlan, renderReport, reviewPlan, RULE_NAMES, type Plan, type Report } from "../../review/core";
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
    containerDefinitions: JSON.stringify([{ name: "debug", image: "public.ecr.aws/docker/library/busybox:1.36", essential: true, portMappings: [{ containerPort: 9901, protocol: "tcp" }] }]),
  });
}

describeTerraform("npm run review on offline plans", () => {
  const dir = mkdtempSync(join(tmpdir(), "rajee-review-test-"));
  const file = (name: string) => join(dir, name);
  const plans: Record<string, Plan> = {};
  const reports: Record<string, Report> = {};
  let devRun: { code: number; stderr: string; report: Report } | undefined;

  beforeAll(async () => {
    if (!setup.ok) return;
    // dev through the command, as a user runs it: no AWS credentials, so it plans offline.
    const { out, io } = capture({ PATH: process.env.PATH, HOME: process.env.HOME, TF_PLUGIN_MIRROR: process.env.TF_PLUGIN_MIRROR });
    const code = await runReview(["--env", "dev", "--format", "json", "--output", file("dev-report.json"), "--save-plan", file("dev-plan.json")], io);
    devRun = { code, stderr: out.stderr, report: JSON.parse(readFileSync(file("dev-report.json"), "utf8")) as Report };
    plans.dev = parsePlan(JSON.parse(readFileSync(file("dev-plan.json"), "utf8")), "dev plan");

    const outdir = file("synth");
    const rotationBundle = bundleRotationLambda(join(outdir, "rotation"));
    const app = new App({ outdir });
    for (const name of ["staging", "prod"]) new EnvironmentStack(app, `rajee-${name}`, { config: getEnvironment(name), rotationBundle, offlinePlan: true, localBackend: true });
    plantProblems(new EnvironmentStack(app, "rajee-dev-planted", { config: getEnvironment("dev"), rotationBundle, offlinePlan: true, localBackend: true }));
    app.synth();
    // One at a time: inits sharing a plugin cache collide when run together.
    for (const stack of ["rajee-staging", "rajee-prod", "rajee-dev-planted"]) {
      const stackDir = join(outdir, "stacks", stack);
      await init(setup, stackDir, true);
      const json = await planJson(setup, stackDir);
      writeFileSync(file(`${stack}.json`), JSON.stringify(json));
      plans[stack] = parsePlan(json, stack);
    }
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
        summary: { create: 91, update: 0, replace: 0, destroy: 0, unchanged: 0 },
        destructive: [],
        violations: [],
        unused: [],
      });
      expect(r.suppressed.map((s) => [s.rule, s.address, s.subject])).toEqual([
        ["iam-wildcard-action", "aws_kms_key.alarms_topic-key_6C8B50ED", "EnableIamPoliciesOfTheAccount"],
        ["iam-wildcard-action", "aws_kms_key.log-groups_key_FEE8B1E1", "EnableIamPoliciesOfTheAccount"],
        ["iam-wildcard-action", "aws_kms_key.signing-keys_key_899FD59C", "EnableIamPoliciesOfTheAccount"],
      ]);
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
        ["authorizer", 512, 256, true, "10001:10001", [], true],
        ["envoy", 512, 256, true, "101:101", ["8080/tcp", "8081/tcp"], true],
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
        "**91 to create, 0 to update, 0 to replace, 0 to destroy**, 0 unchanged · terraform 1.11.4",
        "",
        "No stateful resource is replaced or destroyed.",
        "",
        "All 7 policy rules pass (3 suppressed findings below).",
      ]);
      expect(lines.filter((l) => l.startsWith("### "))).toEqual(["### IAM statements (25, 7 with wildcards ⚠️)", "### Network exposure (2 public ingress rules 🌐)", "### Encryption at rest", "### Containers"]);
      expect(md).toContain("| `aws_security_group.load-balancer_sg_8593D871` | load balancer aws_lb.load-balancer_alb_15AADC07 | 🌐 `0.0.0.0/0` | tcp 443 | HTTPS from clients |");
      expect(md).toContain("| `aws_lb_listener.load-balancer_https_7F5E2DEF` | `aws_lb.load-balancer_alb_15AADC07` (internet-facing) | HTTPS 443 | `ELBSecurityPolicy-TLS13-1-2-2021-06` | forward to aws_lb_target_group.load-balancer_targets_76E21F94 |");
      expect(md).toContain("| `rajee-dev-gateway` | **authorizer** | `111111111111.dkr.ecr.eu-west-1.amazonaws.com/rajee-authorizer:0.1.0` (tag, not digest) | 256 | 512 MiB (reserve 256) | `node /app/healthcheck.js` | yes | `10001:10001` | - | no |");
      expect(md).toMatchSnapshot();
    });
  });

  it.each(["staging", "prod"])("passes every rule on %s with only the documented suppressions", (name) => {
    const r = reports[name]!;
    expect({ passed: r.passed, violations: r.violations, suppressed: r.suppressed.length, unused: r.unusedSuppressions, destructive: r.destructive }).toEqual({ passed: true, violations: [], suppressed: 3, unused: [], destructive: [] });
  });

  describe("dev with planted problems", () => {
    it("fires each rule on its planted resource and on nothing else", () => {
      expect(reports.planted!.violations.map((v) => [v.rule, short(v.address), v.message.replace(/_[0-9A-F]{8}\b/g, "")])).toEqual([
        ["iam-wildcard-action", "aws_iam_role_policy.planted-debug", "policy statement Debug allows s3:*"],
        ["public-ingress", "aws_vpc_security_group_ingress_rule.planted-alb-8443", "aws_security_group.load-balancer_sg (load balancer aws_lb.load-balancer_alb) accepts tcp 8443 from 0.0.0.0/0; a load balancer may take only 443 and 80 from the internet"],
        ["public-ingress", "aws_security_group.planted-bastion", "aws_security_group.planted-bastion (attached to nothing in this plan) accepts tcp 22 from 0.0.0.0/0; only the load balancer may take public traffic"],
        ["admin-port-exposed", "aws_security_group_rule.planted-admin", "aws_security_group.proxy-service_tasks-sg accepts tcp 9901 from security group aws_security_group.load-balancer_sg, which includes 9901 (Envoy admin)"],
        ["admin-port-exposed", "aws_ecs_task_definition.planted-task", "container debug publishes port 9901 (Envoy admin)"],
        ["unencrypted-secret", "aws_secretsmanager_secret.planted-secret", "secret rajee-dev/planted/plain has no kms_key_id: it is encrypted only with the AWS managed key, which every principal with secretsmanager access in the account can use"],
        ["unencrypted-log-group", "aws_cloudwatch_log_group.planted-logs", "log group /rajee/dev/planted has no kms_key_id; the gateway's logs carry request paths and decision reasons"],
        ["container-without-memory-limit", "aws_ecs_task_definition.planted-task", "container debug has no memory limit: one leaking container can starve the other in the task"],
        ["task-role-s3-outside-buckets", "aws_iam_role_policy.planted-debug", "task role aws_iam_role.access-policy_task-role, policy statement Debug: bucket someone-elses-bucket is not configured (configured: rajee-dev-data)"],
      ]);
      expect(new Set(reports.planted!.violations.map((v) => v.rule))).toEqual(new Set(RULE_NAMES));
    });

    it("fails the command with exit 1 and the report names every rule", async () => {
      const { out, io } = capture();
      expect(await runReview(["--env", "dev", "--plan", file("rajee-dev-planted.json")], io)).toBe(EXIT.violations);
      expect(out.stderr).toBe("review: policy rules failed for dev; see the report's violations\n");
      expect(out.stdout.split("\n")[1]).toBe("## Plan review: `dev` · ❌ 9 policy violations");
      for (const rule of RULE_NAMES) expect(out.stdout).toContain(`| \`${rule}\` | \``);
    });

    it("diffs against dev: only the planted resources, statements, rules and violations", async () => {
      const diff = diffPlans(plans.dev!, plans["rajee-dev-planted"]!, reviewOptionsFor("dev"));
      expect(diff.resources.map((r) => [short(r.address), r.base, r.head])).toEqual([
        ["aws_cloudwatch_log_group.planted-logs", "absent", "create"],
        ["aws_ecs_task_definition.planted-task", "absent", "create"],
        ["aws_iam_role_policy.planted-debug", "absent", "create"],
        ["aws_secretsmanager_secret.planted-secret", "absent", "create"],
        ["aws_security_group.planted-bastion", "absent", "create"],
        ["aws_security_group_rule.planted-admin", "absent", "create"],
        ["aws_vpc_security_group_ingress_rule.planted-alb-8443", "absent", "create"],
      ]);
      expect(diff.iam.added.map((s) => [short(s.address), s.sid])).toEqual([["aws_iam_role_policy.planted-debug", "Debug"]]);
      expect(diff.ingress.added.map((i) => [short(i.address), i.fromPort])).toEqual([
        ["aws_vpc_security_group_ingress_rule.planted-alb-8443", 8443],
        ["aws_security_group.planted-bastion", 22],
        ["aws_security_group_rule.planted-admin", 9901],
      ]);
      expect([diff.iam.removed, diff.iam.changed, diff.ingress.removed, diff.violations.resolved, diff.violations.remaining]).toEqual([[], [], [], [], []]);
      expect(diff.violations.added).toHaveLength(9);

      const { out, io } = capture();
      expect(await runReview(["--env", "dev", "--plan", file("rajee-dev-planted.json"), "--base", file("dev-plan.json")], io)).toBe(EXIT.violations);
      expect(out.stdout.split("\n").slice(0, 2)).toEqual(["<!-- rajee-plan-review env=dev -->", "## Plan review: `dev`, changes from the base plan · ❌ 9 policy violations"]);
      expect(out.stdout.split("\n").filter((l) => l.startsWith("### "))).toEqual([
        "### ❌ New policy violations",
        "### Resources planned differently",
        "### IAM statements",
        "### Ingress",
        "### Encryption at rest",
        "### Containers",
      ]);
    });
  });
});
