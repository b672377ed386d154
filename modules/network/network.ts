import { Construct } from "constructs";
import { DefaultSecurityGroup } from "@cdktf/provider-aws/lib/default-security-group";
import { Eip } from "@cdktf/provider-aws/lib/eip";
import { FlowLog } from "@cdktf/provider-aws/lib/flow-log";
import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { IamRolePolicy } from "@cdktf/provider-aws/lib/iam-role-policy";
import { InternetGateway } from "@cdktf/provider-aws/lib/internet-gateway";
import { NatGateway } from "@cdktf/provider-aws/lib/nat-gateway";
import { Route } from "@cdktf/provider-aws/lib/route";
import { RouteTable } from "@cdktf/provider-aws/lib/route-table";
import { RouteTableAssociation } from "@cdktf/provider-aws/lib/route-table-association";
import { SecurityGroup } from "@cdktf/provider-aws/lib/security-group";
import { Subnet } from "@cdktf/provider-aws/lib/subnet";
import { Vpc } from "@cdktf/provider-aws/lib/vpc";
import { VpcEndpoint } from "@cdktf/provider-aws/lib/vpc-endpoint";
import { VpcSecurityGroupIngressRule } from "@cdktf/provider-aws/lib/vpc-security-group-ingress-rule";
import { checkNamePrefix, throwProblems } from "../shared/names";
import { bucketNameProblem } from "../../src/s3/bucket-name";
import { partitionOf, policyJson, serviceTrustPolicy, type PolicyStatement } from "../shared/policy";
import { cidrProblem, parseCidr, subnetCidr } from "./cidr";

/** How many NAT gateways to run. */
export type NatGatewayMode = "none" | "single" | "per-az";

export interface NetworkProps {
  /** Prefix of every resource name, e.g. `rajee-dev`. */
  readonly namePrefix: string;
  /** Account the VPC is in (flow-log role trust condition). */
  readonly accountId: string;
  /** Region the VPC is in (service names of the endpoints). */
  readonly region: string;
  /** VPC CIDR, /16 to /22. Private subnets take the first six eighths, public ones a slice of the rest. */
  readonly cidr: string;
  /** Availability zones, 2-6, listed explicitly (no lookups at plan time). */
  readonly availabilityZones: readonly string[];
  /** CloudWatch Logs group ARN that receives the VPC flow logs. */
  readonly flowLogGroupArn: string;
  /**
   * Buckets reachable through the S3 gateway endpoint (its policy allows these and ECR's image-layer
   * bucket only, so a compromised task cannot copy data to a bucket of its choosing).
   */
  readonly s3Buckets: readonly string[];
  /** NAT gateways for egress to the internet. The gateway's tasks do not need one (images come from ECR). @default "per-az" */
  readonly natGateways?: NatGatewayMode;
  /** Interface endpoints (service suffixes) the tasks reach privately. @default ["ecr.api", "ecr.dkr", "logs", "secretsmanager"] */
  readonly interfaceEndpoints?: readonly string[];
  /** Traffic recorded by the flow logs. @default "ALL" */
  readonly flowLogTrafficType?: "ACCEPT" | "REJECT" | "ALL";
}

export const DEFAULT_NAT_GATEWAYS: NatGatewayMode = "per-az";
export const DEFAULT_INTERFACE_ENDPOINTS: readonly string[] = ["ecr.api", "ecr.dkr", "logs", "secretsmanager"];
export const DEFAULT_FLOW_LOG_TRAFFIC_TYPE = "ALL";

/**
 * The bucket ECR serves image layers from in `region`, reached through the S3 gateway endpoint
 * (Amazon ECR user guide, "Amazon ECR interface VPC endpoints": "Minimum Amazon S3 bucket
 * permissions for Amazon ECR").
 */
export function ecrLayerBucket(region: string): string {
  return `prod-${region}-starport-layer-bucket`;
}

/** The S3 gateway endpoint's policy: the configured buckets (any S3 action; IAM narrows it) and ECR's layer bucket (read only). */
export function s3EndpointStatements(partition: string, region: string, buckets: readonly string[]): PolicyStatement[] {
  const sorted = [...new Set(buckets)].sort();
  return [
    {
      Sid: "ConfiguredBucketsOnly",
      Effect: "Allow",
      Principal: { AWS: "*" },
      Action: ["s3:*"],
      Resource: sorted.flatMap((b) => [`arn:${partition}:s3:::${b}`, `arn:${partition}:s3:::${b}/*`]),
    },
    {
      Sid: "EcrImageLayers",
      Effect: "Allow",
      Principal: { AWS: "*" },
      Action: ["s3:GetObject"],
      Resource: [`arn:${partition}:s3:::${ecrLayerBucket(region)}/*`],
    },
  ];
}
/** Extra prefix bits of a private subnet (/16 -> /19) and of a public one (/16 -> /21). */
const PRIVATE_SUBNET_BITS = 3;
const PUBLIC_SUBNET_BITS = 5;
/** Public subnets start at this index of the /+5 grid: the seventh eighth of the VPC. */
const PUBLIC_SUBNET_OFFSET = 24;
const MAX_ZONES = 6;

/**
 * VPC over two or more AZs: public subnets (load balancer, NAT), private subnets (tasks) with no
 * public IPs, an S3 gateway endpoint on every private route table whose policy admits only the
 * configured buckets and ECR's layer bucket, interface endpoints for ECR,
 * CloudWatch Logs and Secrets Manager, flow logs, and a default security group with no rules.
 */
export class Network extends Construct {
  readonly vpcId: string;
  readonly vpcCidr: string;
  /** Public subnet ids, one per AZ, in `availabilityZones` order. */
  readonly publicSubnetIds: string[];
  /** Private subnet ids, one per AZ, in `availabilityZones` order. */
  readonly privateSubnetIds: string[];
  /** Private route table ids, one per AZ. */
  readonly privateRouteTableIds: string[];
  /** Id of the S3 gateway endpoint. */
  readonly s3EndpointId: string;
  /** The S3 gateway endpoint's prefix list: the tasks' egress to S3 names it instead of 0.0.0.0/0. */
  readonly s3PrefixListId: string;
  /** The interface endpoints' security group (undefined without interface endpoints). */
  readonly endpointSecurityGroupId: string | undefined;
  /** The S3 gateway endpoint's policy, as data. */
  readonly s3EndpointStatements: readonly PolicyStatement[];
  /** Private subnet CIDRs, for reading plans. */
  readonly privateSubnetCidrs: string[];
  /** Public subnet CIDRs, for reading plans. */
  readonly publicSubnetCidrs: string[];

  constructor(scope: Construct, id: string, props: NetworkProps) {
    super(scope, id);
    const natGateways = props.natGateways ?? DEFAULT_NAT_GATEWAYS;
    const interfaceEndpoints = props.interfaceEndpoints ?? DEFAULT_INTERFACE_ENDPOINTS;
    const trafficType = props.flowLogTrafficType ?? DEFAULT_FLOW_LOG_TRAFFIC_TYPE;
    validate(props, natGateways);
    const name = props.namePrefix;
    const zones = props.availabilityZones;

    const vpc = new Vpc(this, "vpc", {
      cidrBlock: props.cidr,
      enableDnsHostnames: true,
      enableDnsSupport: true,
      tags: { Name: `${name}-vpc` },
    });
    this.vpcId = vpc.id;
    this.vpcCidr = props.cidr;
    new DefaultSecurityGroup(this, "default-sg", { vpcId: vpc.id, tags: { Name: `${name}-default-closed` } });

    this.privateSubnetCidrs = zones.map((_, i) => subnetCidr(props.cidr, PRIVATE_SUBNET_BITS, i));
    this.publicSubnetCidrs = zones.map((_, i) => subnetCidr(props.cidr, PUBLIC_SUBNET_BITS, PUBLIC_SUBNET_OFFSET + i));
    const publicSubnets = zones.map(
      (zone, i) =>
        new Subnet(this, `public-${zone}`, {
          vpcId: vpc.id,
          availabilityZone: zone,
          cidrBlock: this.publicSubnetCidrs[i],
          mapPublicIpOnLaunch: false,
          tags: { Name: `${name}-public-${zone}`, Tier: "public" },
        }),
    );
    const privateSubnets = zones.map(
      (zone, i) =>
        new Subnet(this, `private-${zone}`, {
          vpcId: vpc.id,
          availabilityZone: zone,
          cidrBlock: this.privateSubnetCidrs[i],
          mapPublicIpOnLaunch: false,
          tags: { Name: `${name}-private-${zone}`, Tier: "private" },
        }),
    );
    this.publicSubnetIds = publicSubnets.map((s) => s.id);
    this.privateSubnetIds = privateSubnets.map((s) => s.id);

    const igw = new InternetGateway(this, "igw", { vpcId: vpc.id, tags: { Name: `${name}-igw` } });
    const publicRoutes = new RouteTable(this, "public-routes", { vpcId: vpc.id, tags: { Name: `${name}-public` } });
    new Route(this, "public-default", { routeTableId: publicRoutes.id, destinationCidrBlock: "0.0.0.0/0", gatewayId: igw.id });
    publicSubnets.forEach((subnet, i) => {
      new RouteTableAssociation(this, `public-assoc-${zones[i]}`, { subnetId: subnet.id, routeTableId: publicRoutes.id });
    });

    const natCount = natGateways === "none" ? 0 : natGateways === "single" ? 1 : zones.length;
    const nats = Array.from({ length: natCount }, (_, i) => {
      const zone = zones[i] as string;
      const eip = new Eip(this, `nat-eip-${zone}`, { domain: "vpc", tags: { Name: `${name}-nat-${zone}` } });
      return new NatGateway(this, `nat-${zone}`, {
        allocationId: eip.id,
        subnetId: publicSubnets[i]!.id,
        tags: { Name: `${name}-nat-${zone}` },
        dependsOn: [igw],
      });
    });

    const privateRoutes = privateSubnets.map((subnet, i) => {
      const zone = zones[i] as string;
      const table = new RouteTable(this, `private-routes-${zone}`, { vpcId: vpc.id, tags: { Name: `${name}-private-${zone}` } });
      new RouteTableAssociation(this, `private-assoc-${zone}`, { subnetId: subnet.id, routeTableId: table.id });
      const nat = nats[Math.min(i, nats.length - 1)];
      if (nat) new Route(this, `private-default-${zone}`, { routeTableId: table.id, destinationCidrBlock: "0.0.0.0/0", natGatewayId: nat.id });
      return table;
    });
    this.privateRouteTableIds = privateRoutes.map((t) => t.id);

    this.s3EndpointStatements = s3EndpointStatements(partitionOf(props.region), props.region, props.s3Buckets);
    const s3 = new VpcEndpoint(this, "s3-endpoint", {
      vpcId: vpc.id,
      serviceName: `com.amazonaws.${props.region}.s3`,
      vpcEndpointType: "Gateway",
      routeTableIds: this.privateRouteTableIds,
      policy: policyJson(this.s3EndpointStatements),
      tags: { Name: `${name}-s3` },
    });
    this.s3EndpointId = s3.id;
    this.s3PrefixListId = s3.prefixListId;
    let endpointSecurityGroupId: string | undefined;

    if (interfaceEndpoints.length > 0) {
      const endpointSg = new SecurityGroup(this, "endpoints-sg", {
        name: `${name}-endpoints`,
        description: "HTTPS from inside the VPC to the interface endpoints",
        vpcId: vpc.id,
        tags: { Name: `${name}-endpoints` },
      });
      endpointSecurityGroupId = endpointSg.id;
      new VpcSecurityGroupIngressRule(this, "endpoints-https", {
        securityGroupId: endpointSg.id,
        description: "HTTPS from the VPC",
        ipProtocol: "tcp",
        fromPort: 443,
        toPort: 443,
        cidrIpv4: props.cidr,
      });
      for (const service of interfaceEndpoints) {
        new VpcEndpoint(this, `endpoint-${service.replace(/\./g, "-")}`, {
          vpcId: vpc.id,
          serviceName: `com.amazonaws.${props.region}.${service}`,
          vpcEndpointType: "Interface",
          privateDnsEnabled: true,
          subnetIds: this.privateSubnetIds,
          securityGroupIds: [endpointSg.id],
          tags: { Name: `${name}-${service}` },
        });
      }
    }

    this.endpointSecurityGroupId = endpointSecurityGroupId;

    const flowRole = new IamRole(this, "flow-log-role", {
      name: `${name}-flow-logs`,
      assumeRolePolicy: serviceTrustPolicy("vpc-flow-logs.amazonaws.com", props.accountId),
    });
    new IamRolePolicy(this, "flow-log-policy", {
      name: "deliver-flow-logs",
      role: flowRole.id,
      policy: policyJson([
        {
          Sid: "WriteFlowLogs",
          Effect: "Allow",
          Action: ["logs:CreateLogStream", "logs:DescribeLogStreams", "logs:PutLogEvents"],
          Resource: [props.flowLogGroupArn, `${props.flowLogGroupArn}:log-stream:*`],
        },
      ]),
    });
    new FlowLog(this, "flow-log", {
      vpcId: vpc.id,
      trafficType,
      logDestinationType: "cloud-watch-logs",
      logDestination: props.flowLogGroupArn,
      iamRoleArn: flowRole.arn,
      maxAggregationInterval: 60,
      tags: { Name: `${name}-flow-logs` },
    });
  }
}

function validate(props: NetworkProps, natGateways: NatGatewayMode): void {
  checkNamePrefix("network", props.namePrefix);
  const problems: string[] = [];
  const cidr = cidrProblem(props.cidr);
  if (cidr) problems.push(`cidr=${JSON.stringify(props.cidr)} ${cidr}; use e.g. 10.20.0.0/16`);
  else {
    const { prefixLength } = parseCidr(props.cidr);
    if (prefixLength < 16 || prefixLength > 22) problems.push(`cidr=${props.cidr} must be /16 to /22 so every AZ gets a private and a public subnet`);
  }
  const zones = props.availabilityZones;
  if (zones.length < 2 || zones.length > MAX_ZONES) {
    problems.push(`availabilityZones=${JSON.stringify(zones)} must list 2-${MAX_ZONES} zones (the load balancer needs two)`);
  }
  if (new Set(zones).size !== zones.length) problems.push(`availabilityZones=${JSON.stringify(zones)} repeats a zone; list each once`);
  if (props.s3Buckets.length === 0) problems.push("s3Buckets=[] is empty; list the buckets the gateway serves");
  props.s3Buckets.forEach((b, i) => {
    const p = bucketNameProblem(b);
    if (p) problems.push(`s3Buckets[${i}]=${JSON.stringify(b)} is not a valid bucket name: it ${p}`);
  });
  if (!["none", "single", "per-az"].includes(natGateways)) problems.push(`natGateways=${JSON.stringify(natGateways)} must be none, single or per-az`);
  throwProblems("network", problems);
}
