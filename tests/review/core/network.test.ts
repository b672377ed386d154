import fc from "fast-check";
import { coversPort, display, ingressRules, isPublicCidr, listeners, portRange, subnets } from "../../../review/core/network";
import { parsePlan, ResourceIndex } from "../../../review/core/plan";
import { planDocument, ref, type FixtureResource } from "./fixtures";

const index = (resources: FixtureResource[]) => new ResourceIndex(parsePlan(planDocument(resources), "test").resources);

describe("isPublicCidr", () => {
  it.each([
    ["0.0.0.0/0", true],
    ["203.0.113.0/24", true],
    ["11.0.0.0/8", true],
    ["10.0.0.0/8", false],
    ["10.10.0.0/16", false],
    ["172.16.0.0/12", false],
    ["172.32.0.0/16", true],
    ["192.168.1.0/24", false],
    ["100.64.0.0/10", false],
    ["::/0", true],
    ["2001:db8::/32", true],
    ["fd00:1::/64", false],
    ["fe80::/10", false],
    ["${aws_vpc.v.cidr_block}", false],
  ])("%s -> %s", (cidr, expected) => expect(isPublicCidr(cidr)).toBe(expected));

  it("treats every range inside 10.0.0.0/8 as private and every range containing it as public", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 255 }), fc.integer({ min: 0, max: 255 }), fc.integer({ min: 8, max: 32 }), (b, c, bits) => {
        expect(isPublicCidr(`10.${b}.${c}.0/${bits}`)).toBe(false);
      }),
    );
    fc.assert(fc.property(fc.integer({ min: 0, max: 7 }), (bits) => expect(isPublicCidr(`0.0.0.0/${bits}`)).toBe(true)));
  });
});

describe("ingressRules", () => {
  const resources: FixtureResource[] = [
    { address: "aws_security_group.alb", after: { name: "alb" }, unknown: { id: true } },
    { address: "aws_security_group.tasks", after: { name: "tasks" }, unknown: { id: true } },
    {
      address: "aws_security_group.bastion",
      after: { name: "bastion", ingress: [{ cidr_blocks: ["0.0.0.0/0"], ipv6_cidr_blocks: [], security_groups: [], self: false, prefix_list_ids: [], from_port: 22, to_port: 22, protocol: "tcp", description: "ssh" }] },
    },
    { address: "aws_lb.alb", after: { internal: false }, unknown: { security_groups: true }, config: { security_groups: { constant_value: ["${aws_security_group.alb.id}"], references: [] } } },
    {
      address: "aws_vpc_security_group_ingress_rule.https",
      after: { cidr_ipv4: "0.0.0.0/0", from_port: 443, to_port: 443, ip_protocol: "tcp", description: "HTTPS" },
      unknown: { security_group_id: true },
      config: { security_group_id: ref("aws_security_group.alb") },
    },
    {
      address: "aws_security_group_rule.from_alb",
      after: { type: "ingress", from_port: 8080, to_port: 8081, protocol: "tcp", cidr_blocks: null, self: false },
      unknown: { security_group_id: true, source_security_group_id: true },
      config: { security_group_id: ref("aws_security_group.tasks"), source_security_group_id: ref("aws_security_group.alb") },
    },
    { address: "aws_security_group_rule.egress", after: { type: "egress", from_port: 0, to_port: 0, protocol: "-1", cidr_blocks: ["0.0.0.0/0"] }, config: { security_group_id: ref("aws_security_group.tasks") }, unknown: { security_group_id: true } },
  ];

  it("reads all three forms of ingress, names the group's user and marks public sources", () => {
    expect(ingressRules(index(resources)).map((r) => [r.address, r.securityGroup, r.attachedTo, r.source, r.protocol, portRange(r), r.public])).toEqual([
      ["aws_vpc_security_group_ingress_rule.https", "aws_security_group.alb", "load balancer aws_lb.alb", "0.0.0.0/0", "tcp", "443", true],
      ["aws_security_group.bastion", "aws_security_group.bastion", "-", "0.0.0.0/0", "tcp", "22", true],
      ["aws_security_group_rule.from_alb", "aws_security_group.tasks", "-", "security group aws_security_group.alb", "tcp", "8080-8081", false],
    ]);
  });

  it("counts protocol -1 as every port", () => {
    const rule = { protocol: "all", fromPort: 0, toPort: 65535 };
    expect([portRange(rule), coversPort(rule, 9901), coversPort({ protocol: "tcp", fromPort: 8080, toPort: 8081 }, 9901), coversPort({ protocol: "icmp", fromPort: 0, toPort: 65535 }, 22)]).toEqual(["all", true, false, false]);
  });
});

describe("listeners and subnets", () => {
  const resources: FixtureResource[] = [
    { address: "aws_lb.alb", after: { internal: false } },
    { address: "aws_lb_listener.http", after: { port: 80, protocol: "HTTP", default_action: [{ type: "redirect", redirect: [{ port: "443", protocol: "HTTPS" }] }] }, unknown: { load_balancer_arn: true }, config: { load_balancer_arn: ref("aws_lb.alb", "arn") } },
    { address: "aws_lb_listener.https", after: { port: 443, protocol: "HTTPS", ssl_policy: "ELBSecurityPolicy-TLS13-1-2-2021-06", default_action: [{ type: "forward" }] }, unknown: { load_balancer_arn: true }, config: { load_balancer_arn: ref("aws_lb.alb", "arn") } },
    { address: "aws_internet_gateway.igw", after: {} },
    { address: "aws_route_table.public", after: {} },
    { address: "aws_route_table.private", after: {} },
    { address: "aws_route.default", after: { destination_cidr_block: "0.0.0.0/0" }, unknown: { route_table_id: true, gateway_id: true }, config: { route_table_id: ref("aws_route_table.public"), gateway_id: ref("aws_internet_gateway.igw") } },
    { address: "aws_subnet.public", after: { cidr_block: "10.0.0.0/24", availability_zone: "eu-west-1a", map_public_ip_on_launch: false, tags: { Name: "public-a" } } },
    { address: "aws_subnet.private", after: { cidr_block: "10.0.1.0/24", availability_zone: "eu-west-1a", map_public_ip_on_launch: true, tags: { Name: "private-a" } } },
    { address: "aws_route_table_association.public", after: {}, unknown: { subnet_id: true, route_table_id: true }, config: { subnet_id: ref("aws_subnet.public"), route_table_id: ref("aws_route_table.public") } },
    { address: "aws_route_table_association.private", after: {}, unknown: { subnet_id: true, route_table_id: true }, config: { subnet_id: ref("aws_subnet.private"), route_table_id: ref("aws_route_table.private") } },
  ];

  it("lists listeners with their load balancer, TLS policy and action", () => {
    expect(listeners(index(resources))).toEqual([
      { address: "aws_lb_listener.http", loadBalancer: "aws_lb.alb", internetFacing: true, port: 80, protocol: "HTTP", sslPolicy: "-", action: "redirect to HTTPS:443" },
      { address: "aws_lb_listener.https", loadBalancer: "aws_lb.alb", internetFacing: true, port: 443, protocol: "HTTPS", sslPolicy: "ELBSecurityPolicy-TLS13-1-2-2021-06", action: "forward" },
    ]);
  });

  it("marks a subnet public only when its route table sends the default route to an internet gateway", () => {
    expect(subnets(index(resources)).map((s) => [s.name, s.internetRoute, s.publicIpOnLaunch])).toEqual([
      ["private-a", false, true],
      ["public-a", true, false],
    ]);
  });
});

describe("display", () => {
  it("shortens references to the resource they name", () => {
    expect(display("${aws_kms_key.k.arn}")).toBe("aws_kms_key.k");
    expect(display("${aws_s3_bucket.b.arn}/AWSLogs/*")).toBe("aws_s3_bucket.b/AWSLogs/*");
    expect(display("${aws_lb.alb.arn_suffix}")).toBe("aws_lb.alb.arn_suffix");
  });
});
