import type { Construct } from "constructs";
import { ConfigError } from "../../src/config-error";
import { Network, type NetworkProps } from "../../modules/network/network";
import { subnetCidr } from "../../modules/network/cidr";
import { onlyResource, resourcesOf, statementsOf, synth } from "./synth";

const FLOW_GROUP = "arn:aws:logs:eu-west-1:111111111111:log-group:/rajee/test/vpc-flow-logs";

function props(overrides: Partial<NetworkProps> = {}): NetworkProps {
  return {
    namePrefix: "rajee-test",
    accountId: "111111111111",
    region: "eu-west-1",
    cidr: "10.10.0.0/16",
    availabilityZones: ["eu-west-1a", "eu-west-1b", "eu-west-1c"],
    flowLogGroupArn: FLOW_GROUP,
    s3Buckets: ["rajee-test-data", "rajee-test-reports"],
    ...overrides,
  };
}

function build(p: NetworkProps) {
  return synth((scope: Construct) => new Network(scope, "net", p));
}

describe("Network", () => {
  it("lays out a private and a public subnet per AZ without overlap", () => {
    const subnets = Object.values(resourcesOf(build(props()), "aws_subnet")).map((s) => [s.availability_zone, s.cidr_block, s.map_public_ip_on_launch]);
    expect(subnets).toEqual([
      ["eu-west-1a", "10.10.0.0/19", false],
      ["eu-west-1b", "10.10.32.0/19", false],
      ["eu-west-1c", "10.10.64.0/19", false],
      ["eu-west-1a", "10.10.192.0/21", false],
      ["eu-west-1b", "10.10.200.0/21", false],
      ["eu-west-1c", "10.10.208.0/21", false],
    ]);
  });

  it("computes subnets like Terraform's cidrsubnet", () => {
    expect(subnetCidr("10.0.0.0/22", 3, 5)).toBe("10.0.2.128/25");
    expect(subnetCidr("10.0.0.0/22", 5, 29)).toBe("10.0.3.160/27");
    expect(() => subnetCidr("10.0.0.0/16", 3, 8)).toThrow("10.0.0.0/16 has no subnet 8 of /19");
  });

  it.each([
    ["per-az", 3],
    ["single", 1],
    ["none", 0],
  ] as const)("runs %s NAT gateways as %i gateways with a default route per private table", (mode, count) => {
    const s = build(props({ natGateways: mode }));
    expect(Object.keys(resourcesOf(s, "aws_nat_gateway"))).toHaveLength(count);
    const privateDefaults = Object.values(resourcesOf(s, "aws_route")).filter((r) => r.nat_gateway_id !== undefined);
    expect(privateDefaults).toHaveLength(count === 0 ? 0 : 3);
  });

  it("attaches the S3 gateway endpoint to every private route table", () => {
    const s = build(props());
    const s3 = Object.values(resourcesOf(s, "aws_vpc_endpoint")).find((e) => e.vpc_endpoint_type === "Gateway")!;
    expect(s3.service_name).toBe("com.amazonaws.eu-west-1.s3");
    const privateTables = Object.keys(resourcesOf(s, "aws_route_table")).filter((id) => id.includes("private"));
    expect(privateTables).toHaveLength(3);
    expect(s3.route_table_ids).toEqual(privateTables.map((id) => `\${aws_route_table.${id}.id}`));
  });

  it("lets the S3 endpoint reach only the configured buckets and ECR's image-layer bucket", () => {
    const s = build(props({ s3Buckets: ["rajee-test-reports", "rajee-test-data"] }));
    const s3 = Object.values(resourcesOf(s, "aws_vpc_endpoint")).find((e) => e.vpc_endpoint_type === "Gateway")!;
    expect(statementsOf(s3.policy)).toEqual([
      {
        Sid: "ConfiguredBucketsOnly",
        Effect: "Allow",
        Principal: { AWS: "*" },
        Action: ["s3:*"],
        Resource: [
          "arn:aws:s3:::rajee-test-data",
          "arn:aws:s3:::rajee-test-data/*",
          "arn:aws:s3:::rajee-test-reports",
          "arn:aws:s3:::rajee-test-reports/*",
        ],
      },
      { Sid: "EcrImageLayers", Effect: "Allow", Principal: { AWS: "*" }, Action: ["s3:GetObject"], Resource: ["arn:aws:s3:::prod-eu-west-1-starport-layer-bucket/*"] },
    ]);
  });

  it("rejects an S3 endpoint with no bucket or an invalid one", () => {
    expect(() => build(props({ s3Buckets: [] }))).toThrow(new ConfigError("network: s3Buckets=[] is empty; list the buckets the gateway serves"));
    expect(() => build(props({ s3Buckets: ["Bad_Bucket"] }))).toThrow(/^network: s3Buckets\[0\]="Bad_Bucket" is not a valid bucket name: it /);
  });

  it("creates private interface endpoints for ECR, CloudWatch Logs and Secrets Manager, reachable on 443 from the VPC only", () => {
    const s = build(props());
    const interfaces = Object.values(resourcesOf(s, "aws_vpc_endpoint")).filter((e) => e.vpc_endpoint_type === "Interface");
    expect(interfaces.map((e) => [e.service_name, e.private_dns_enabled])).toEqual([
      ["com.amazonaws.eu-west-1.ecr.api", true],
      ["com.amazonaws.eu-west-1.ecr.dkr", true],
      ["com.amazonaws.eu-west-1.logs", true],
      ["com.amazonaws.eu-west-1.secretsmanager", true],
    ]);
    const rule = onlyResource(s, "aws_vpc_security_group_ingress_rule");
    expect([rule.ip_protocol, rule.from_port, rule.to_port, rule.cidr_ipv4]).toEqual(["tcp", 443, 443, "10.10.0.0/16"]);
  });

  it("closes the default security group and records flow logs to the given group", () => {
    const s = build(props());
    const sg = onlyResource(s, "aws_default_security_group");
    expect(sg.ingress).toBeUndefined();
    expect(sg.egress).toBeUndefined();
    const flow = onlyResource(s, "aws_flow_log");
    expect([flow.traffic_type, flow.log_destination_type, flow.log_destination]).toEqual(["ALL", "cloud-watch-logs", FLOW_GROUP]);
    const policy = statementsOf(onlyResource(s, "aws_iam_role_policy").policy);
    expect(policy).toEqual([
      {
        Sid: "WriteFlowLogs",
        Effect: "Allow",
        Action: ["logs:CreateLogStream", "logs:DescribeLogStreams", "logs:PutLogEvents"],
        Resource: [FLOW_GROUP, `${FLOW_GROUP}:log-stream:*`],
      },
    ]);
  });

  it("rejects a single AZ and a VPC too small for the layout", () => {
    expect(() => build(props({ availabilityZones: ["eu-west-1a"], cidr: "10.0.0.0/24" }))).toThrow(
      new ConfigError(
        "network: cidr=10.0.0.0/24 must be /16 to /22 so every AZ gets a private and a public subnet\n" +
          'network: availabilityZones=["eu-west-1a"] must list 2-6 zones (the load balancer needs two)',
      ),
    );
  });

  it("rejects a name prefix too long for ALB names", () => {
    expect(() => build(props({ namePrefix: "rajee-a-very-long-environment" }))).toThrow(
      new ConfigError('network: namePrefix="rajee-a-very-long-environment" must be 2-20 of a-z, 0-9 and \'-\', starting with a letter; use e.g. rajee-dev'),
    );
  });
});
