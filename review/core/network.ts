import { at, listAt, stringAt, UNKNOWN, type Json, type JsonObject, type PlannedResource, type ResourceIndex } from "./plan";

/** One way into a security group. */
export interface IngressRule {
  /** Address of the resource that declares it (a rule resource, or the group for inline rules). */
  readonly address: string;
  /** The security group it opens (address, or the literal id when the group is not in the plan). */
  readonly securityGroup: string;
  /** What uses the group: `load balancer aws_lb.x`, `ECS service aws_ecs_service.y`, ... or `-`. */
  readonly attachedTo: string;
  /** True when a load balancer uses the group. */
  readonly onLoadBalancer: boolean;
  /** CIDR, security group, prefix list, or `self`. */
  readonly source: string;
  /** `tcp`, `udp`, `icmp` or `all`. */
  readonly protocol: string;
  /** First and last port; 0-65535 for all. */
  readonly fromPort: number;
  readonly toPort: number;
  readonly description: string;
  /** True when the source is an address range outside private, shared and link-local space. */
  readonly public: boolean;
}

/** A load balancer listener. */
export interface Listener {
  readonly address: string;
  /** The load balancer's address or literal ARN. */
  readonly loadBalancer: string;
  /** True when the load balancer is internet-facing. */
  readonly internetFacing: boolean;
  readonly port: number | string;
  readonly protocol: string;
  /** TLS policy, or `-` for plain HTTP/TCP. */
  readonly sslPolicy: string;
  /** `forward`, `redirect to HTTPS:443`, `fixed-response 404`... */
  readonly action: string;
}

/** A subnet and whether it is public. */
export interface Subnet {
  readonly address: string;
  /** Name tag, or the address. */
  readonly name: string;
  readonly cidr: string;
  readonly availabilityZone: string;
  /** True when its route table sends a default route to an internet gateway. */
  readonly internetRoute: boolean;
  /** True when instances get a public IPv4 address on launch. */
  readonly publicIpOnLaunch: boolean;
}

/** The network section of the report. */
export interface NetworkExposure {
  readonly ingress: readonly IngressRule[];
  readonly listeners: readonly Listener[];
  readonly subnets: readonly Subnet[];
}

const PRIVATE_V4: ReadonlyArray<readonly [number, number]> = [
  [ipv4("10.0.0.0")!, 8],
  [ipv4("172.16.0.0")!, 12],
  [ipv4("192.168.0.0")!, 16],
  [ipv4("100.64.0.0")!, 10],
  [ipv4("127.0.0.0")!, 8],
  [ipv4("169.254.0.0")!, 16],
];

function ipv4(address: string): number | undefined {
  const parts = address.split(".");
  if (parts.length !== 4 || !parts.every((p) => /^\d{1,3}$/.test(p) && Number(p) <= 255)) return undefined;
  return parts.reduce((acc, p) => acc * 256 + Number(p), 0);
}

/**
 * True when `cidr` reaches beyond private (RFC 1918), shared (RFC 6598), loopback and link-local
 * space: `0.0.0.0/0`, `203.0.113.0/24`, `::/0`. Anything that is not a CIDR (a reference) is false.
 */
export function isPublicCidr(cidr: string): boolean {
  const m = /^([^/]+)\/(\d{1,3})$/.exec(cidr.trim());
  if (!m) return false;
  const [, address, bitsText] = m as unknown as [string, string, string];
  const bits = Number(bitsText);
  const v4 = ipv4(address);
  if (v4 !== undefined) {
    if (bits > 32) return false;
    return !PRIVATE_V4.some(([net, size]) => bits >= size && Math.floor(v4 / 2 ** (32 - size)) === Math.floor(net / 2 ** (32 - size)));
  }
  if (!address.includes(":") || bits > 128) return false;
  const lower = address.toLowerCase();
  const unique = /^f[cd][0-9a-f]{0,2}:/.test(lower) && bits >= 7; // fc00::/7
  const linkLocal = /^fe[89ab][0-9a-f]?:/.test(lower) && bits >= 10; // fe80::/10
  const loopback = lower === "::1" && bits === 128;
  return !(unique || linkLocal || loopback);
}

/** True when the rule admits traffic to `port`. */
export function coversPort(rule: Pick<IngressRule, "protocol" | "fromPort" | "toPort">, port: number): boolean {
  if (rule.protocol !== "all" && rule.protocol !== "tcp" && rule.protocol !== "udp") return false;
  return rule.fromPort <= port && port <= rule.toPort;
}

/** `443`, `8080-8081`, `all`. */
export function portRange(rule: Pick<IngressRule, "protocol" | "fromPort" | "toPort">): string {
  if (rule.protocol === "all" || (rule.fromPort <= 0 && rule.toPort >= 65535)) return "all";
  return rule.fromPort === rule.toPort ? String(rule.fromPort) : `${rule.fromPort}-${rule.toPort}`;
}

/** `tcp 443`, `tcp 8080-8081`, `udp all`, `all traffic`. */
export function describePorts(rule: Pick<IngressRule, "protocol" | "fromPort" | "toPort">): string {
  return rule.protocol === "all" ? "all traffic" : `${rule.protocol} ${portRange(rule)}`;
}

function protocolName(p: Json | undefined): string {
  const v = String(p ?? "all").toLowerCase();
  if (v === "-1" || v === "all") return "all";
  if (v === "6") return "tcp";
  if (v === "17") return "udp";
  if (v === "1") return "icmp";
  return v;
}

function ports(protocol: string, from: Json | undefined, to: Json | undefined): { fromPort: number; toPort: number } {
  if (protocol === "all") return { fromPort: 0, toPort: 65535 };
  const f = typeof from === "number" ? from : Number(from);
  const t = typeof to === "number" ? to : Number(to);
  return { fromPort: Number.isFinite(f) ? f : 0, toPort: Number.isFinite(t) ? t : 65535 };
}

const strings = (v: Json | undefined): string[] => (v === null || v === undefined ? [] : Array.isArray(v) ? v : [v]).filter((x): x is string => typeof x === "string" && x !== "" && x !== UNKNOWN);

/** Short form of a value for the report: `${aws_x.y.id}` -> `aws_x.y`. */
export function display(value: Json | undefined): string {
  if (value === null || value === undefined || value === "" || value === UNKNOWN) return "-";
  if (typeof value !== "string") return JSON.stringify(value);
  return value.replace(/\$\{((?:module\.[^.]+\.)*[a-z0-9_]+\.[^.}]+)\.(?:id|arn|name)\}/g, "$1").replace(/\$\{([^}]*)\}/g, "$1");
}

/** What uses each security group: load balancers, ECS services, endpoints, Lambda functions. */
function attachments(index: ResourceIndex): Map<string, { label: string; loadBalancer: boolean }> {
  const out = new Map<string, { label: string; loadBalancer: boolean }>();
  const attach = (groups: Json | undefined, label: string, loadBalancer: boolean) => {
    for (const g of strings(groups)) {
      const sg = index.resolve(g, "aws_security_group");
      const key = sg?.address ?? g;
      const prior = out.get(key);
      out.set(key, prior ? { label: `${prior.label}, ${label}`, loadBalancer: prior.loadBalancer || loadBalancer } : { label, loadBalancer });
    }
  };
  for (const lb of index.ofType("aws_lb", "aws_alb")) attach(lb.values.security_groups, `load balancer ${lb.address}`, true);
  for (const svc of index.ofType("aws_ecs_service")) attach(at(svc.values, "network_configuration", 0, "security_groups"), `ECS service ${svc.address}`, false);
  for (const ep of index.ofType("aws_vpc_endpoint")) attach(ep.values.security_group_ids, `VPC endpoint ${ep.address}`, false);
  for (const fn of index.ofType("aws_lambda_function")) attach(at(fn.values, "vpc_config", 0, "security_group_ids"), `Lambda ${fn.address}`, false);
  for (const db of index.ofType("aws_db_instance", "aws_rds_cluster")) attach(db.values.vpc_security_group_ids, `database ${db.address}`, false);
  return out;
}

/** Every ingress rule of the plan, whichever of the three Terraform forms declares it. */
export function ingressRules(index: ResourceIndex): IngressRule[] {
  const attached = attachments(index);
  const rows: IngressRule[] = [];
  const add = (address: string, group: Json | undefined, sources: string[], values: JsonObject, publicSources: Set<string>) => {
    const sg = index.resolve(group ?? null, "aws_security_group", "aws_default_security_group");
    const securityGroup = sg?.address ?? display(group);
    const use = attached.get(securityGroup);
    const protocol = protocolName(values.ip_protocol ?? values.protocol);
    const range = ports(protocol, values.from_port, values.to_port);
    for (const source of sources) {
      rows.push({
        address,
        securityGroup,
        attachedTo: use?.label ?? "-",
        onLoadBalancer: use?.loadBalancer ?? false,
        source,
        protocol,
        ...range,
        description: stringAt(values, "description") ?? "",
        public: publicSources.has(source),
      });
    }
  };
  const cidrSources = (values: JsonObject, keys: string[]) => strings(keys.flatMap((k) => strings(values[k])));
  const groupSources = (values: JsonObject, keys: string[]) => keys.flatMap((k) => strings(values[k]).map((g) => `security group ${display(index.resolve(g)?.address ?? g)}`));
  const prefixSources = (values: JsonObject, keys: string[]) => keys.flatMap((k) => strings(values[k]).map((p) => `prefix list ${display(p)}`));

  for (const r of index.ofType("aws_vpc_security_group_ingress_rule")) {
    const cidrs = cidrSources(r.values, ["cidr_ipv4", "cidr_ipv6"]);
    const sources = [...cidrs, ...groupSources(r.values, ["referenced_security_group_id"]), ...prefixSources(r.values, ["prefix_list_id"])];
    add(r.address, r.values.security_group_id, sources, r.values, new Set(cidrs.filter(isPublicCidr)));
  }
  for (const r of index.ofType("aws_security_group_rule")) {
    if (r.values.type !== "ingress") continue;
    const cidrs = cidrSources(r.values, ["cidr_blocks", "ipv6_cidr_blocks"]);
    const sources = [
      ...cidrs,
      ...groupSources(r.values, ["source_security_group_id"]),
      ...prefixSources(r.values, ["prefix_list_ids"]),
      ...(r.values.self === true ? ["self"] : []),
    ];
    add(r.address, r.values.security_group_id, sources, r.values, new Set(cidrs.filter(isPublicCidr)));
  }
  for (const sg of index.ofType("aws_security_group", "aws_default_security_group")) {
    for (const block of listAt(sg.values, "ingress")) {
      if (typeof block !== "object" || block === null || Array.isArray(block)) continue; // "(known after apply)": rules live elsewhere
      const cidrs = cidrSources(block, ["cidr_blocks", "ipv6_cidr_blocks"]);
      const sources = [
        ...cidrs,
        ...groupSources(block, ["security_groups"]),
        ...prefixSources(block, ["prefix_list_ids"]),
        ...(block.self === true ? ["self"] : []),
      ];
      add(sg.address, `\${${sg.address}.id}`, sources, block, new Set(cidrs.filter(isPublicCidr)));
    }
  }
  return rows.sort((a, b) => a.securityGroup.localeCompare(b.securityGroup) || a.fromPort - b.fromPort || a.source.localeCompare(b.source));
}

function actionOf(listener: PlannedResource): string {
  return listAt(listener.values, "default_action")
    .map((a) => {
      const type = stringAt(a, "type") ?? "?";
      if (type === "redirect") return `redirect to ${stringAt(a, "redirect", 0, "protocol") ?? "#{protocol}"}:${stringAt(a, "redirect", 0, "port") ?? "#{port}"}`;
      if (type === "fixed-response") return `fixed-response ${stringAt(a, "fixed_response", 0, "status_code") ?? ""}`.trim();
      if (type === "forward") {
        const target = at(a, "target_group_arn");
        return typeof target === "string" && target !== "" && target !== UNKNOWN ? `forward to ${display(target)}` : "forward";
      }
      return type;
    })
    .join(", ");
}

/** Every listener, with whether its load balancer faces the internet. */
export function listeners(index: ResourceIndex): Listener[] {
  return index
    .ofType("aws_lb_listener", "aws_alb_listener")
    .map((l) => {
      const lb = index.resolve(l.values.load_balancer_arn, "aws_lb", "aws_alb");
      return {
        address: l.address,
        loadBalancer: lb?.address ?? display(l.values.load_balancer_arn),
        internetFacing: lb ? lb.values.internal !== true : false,
        port: typeof l.values.port === "number" ? l.values.port : display(l.values.port),
        protocol: stringAt(l.values, "protocol") ?? "-",
        sslPolicy: display(l.values.ssl_policy),
        action: actionOf(l),
      };
    })
    .sort((a, b) => String(a.port).localeCompare(String(b.port), "en", { numeric: true }));
}

const DEFAULT_ROUTES = new Set(["0.0.0.0/0", "::/0"]);

/** Subnets, public when a route table associated with them sends a default route to an internet gateway. */
export function subnets(index: ResourceIndex): Subnet[] {
  const publicTables = new Set<string>();
  const toIgw = (route: Json | undefined) => {
    const dest = stringAt(route, "destination_cidr_block") ?? stringAt(route, "cidr_block") ?? stringAt(route, "destination_ipv6_cidr_block") ?? stringAt(route, "ipv6_cidr_block");
    return dest !== undefined && DEFAULT_ROUTES.has(dest) && index.resolve(at(route, "gateway_id"), "aws_internet_gateway") !== undefined;
  };
  for (const route of index.ofType("aws_route")) {
    if (toIgw(route.values)) {
      const table = index.resolve(route.values.route_table_id, "aws_route_table");
      if (table) publicTables.add(table.address);
    }
  }
  for (const table of index.ofType("aws_route_table")) {
    if (listAt(table.values, "route").some((r) => typeof r === "object" && toIgw(r))) publicTables.add(table.address);
  }
  const publicSubnets = new Set<string>();
  for (const assoc of index.ofType("aws_route_table_association")) {
    const table = index.resolve(assoc.values.route_table_id, "aws_route_table");
    const subnet = index.resolve(assoc.values.subnet_id, "aws_subnet");
    if (table && subnet && publicTables.has(table.address)) publicSubnets.add(subnet.address);
  }
  return index
    .ofType("aws_subnet")
    .map((s) => ({
      address: s.address,
      name: stringAt(s.values, "tags", "Name") ?? s.address,
      cidr: display(s.values.cidr_block),
      availabilityZone: display(s.values.availability_zone),
      internetRoute: publicSubnets.has(s.address),
      publicIpOnLaunch: s.values.map_public_ip_on_launch === true,
    }))
    .sort((a, b) => a.name.localeCompare(b.name));
}

/** The network section: ingress, listeners, subnets. */
export function networkExposure(index: ResourceIndex): NetworkExposure {
  return { ingress: ingressRules(index), listeners: listeners(index), subnets: subnets(index) };
}
