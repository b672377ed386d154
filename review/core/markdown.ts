import type { ContainerRow } from "./containers";
import type { ReviewDiff, RowDiff } from "./diff";
import type { EncryptionRow } from "./encryption";
import type { EnvoySettingRow } from "./envoy";
import type { IamStatement } from "./iam";
import type { InvokerRow } from "./issuer";
import { describePorts, display, type IngressRule, type Listener, type Subnet } from "./network";
import type { Report } from "./report";
import { RULES } from "./rules";
import type { Violation } from "./suppressions";

/** First line of every comment: the workflow finds the comment to update by it. */
export function commentMarker(environment: string): string {
  return `<!-- rajee-plan-review env=${environment} -->`;
}

const WARN = "⚠️";
const MAX_CELL = 90;

/** Text for a table cell: pipes escaped, one line, long values cut with an ellipsis. */
export function cell(text: string, max = MAX_CELL): string {
  const one = text.replace(/\s*\n\s*/g, " ");
  const cut = one.length > max ? `${one.slice(0, max - 1)}…` : one;
  return cut.replace(/\|/g, "\\|");
}

/** A code span for a table cell. */
export function code(text: string, max = MAX_CELL): string {
  if (text === "" || text === "-") return "-";
  const body = cell(text, max);
  return body.includes("`") ? `\`\` ${body} \`\`` : `\`${body}\``;
}

function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  return [`| ${header.join(" | ")} |`, `|${header.map(() => "---").join("|")}|`, ...rows.map((r) => `| ${r.join(" | ")} |`)].join("\n");
}

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

const flagged = (items: readonly string[], isWild: (s: string) => boolean) =>
  items.length === 0 ? "-" : items.map((i) => (isWild(i) ? `${WARN} ${code(i, 160)}` : code(i, 160))).join("<br>");

function iamRows(statements: readonly IamStatement[], mark?: (s: IamStatement) => string): string[][] {
  let last = "";
  return statements.map((s) => {
    const policy = `${s.address} ${s.attribute}`;
    const first = policy !== last;
    last = policy;
    // Only what `wildcards` still lists is flagged: known-benign statements and key policies' "this key" `*` are not.
    const w = new Set(s.wildcards);
    return [
      ...(mark ? [mark(s)] : []),
      first ? `${code(s.address)}<br>${s.attribute} (${s.kind})` : "″",
      code(s.sid),
      s.effect,
      flagged(s.principals, (p) => w.has(`principal ${p}`)) + (w.has("NotPrincipal") ? ` ${WARN} NotPrincipal` : s.notPrincipal ? " NotPrincipal" : ""),
      (w.has("NotAction") ? `${WARN} **NotAction** ` : s.notAction ? "**NotAction** " : "") + flagged(s.actions, (a) => w.has(`action ${a}`)),
      (w.has("NotResource") ? `${WARN} **NotResource** ` : s.notResource ? "**NotResource** " : "") + flagged(s.resources.map(display), (r) => r === "*" && w.has("resource *")),
      [...s.conditions.map((c) => code(c, 160)), ...(s.benign ? [`benign: ${cell(s.benign, 160)}`] : [])].join("<br>") || "-",
    ];
  });
}

const IAM_HEADER = ["Policy", "Sid", "Effect", "Principal", "Actions", "Resources", "Conditions"];

const ingressRow = (r: IngressRule) => [
  code(r.securityGroup),
  cell(r.attachedTo),
  r.public ? `🌐 ${code(r.source)}` : code(r.source),
  describePorts(r),
  cell(r.description || "-"),
];
const INGRESS_HEADER = ["Security group", "Used by", "Source", "Ports", "Description"];

const listenerRow = (l: Listener) => [
  code(l.address),
  `${code(l.loadBalancer)}${l.internetFacing ? " (internet-facing)" : " (internal)"}`,
  `${l.protocol} ${l.port}`,
  l.sslPolicy === "-" ? "-" : code(l.sslPolicy),
  cell(l.action),
];
const LISTENER_HEADER = ["Listener", "Load balancer", "Port", "TLS policy", "Default action"];

const subnetRow = (s: Subnet) => [cell(s.name), code(s.cidr), s.availabilityZone, s.internetRoute ? "🌐 yes" : "no", s.publicIpOnLaunch ? `${WARN} yes` : "no"];
const SUBNET_HEADER = ["Subnet", "CIDR", "AZ", "Route to internet gateway", "Public IP on launch"];

const encryptionRow = (e: EncryptionRow) => [cell(e.kind), code(e.name, 60), e.customerKey || e.kind === "S3 bucket" ? cell(e.encryption) : `${WARN} ${cell(e.encryption)}`, code(e.address)];
const ENCRYPTION_HEADER = ["Kind", "Name", "Encryption", "Resource"];

function image(c: ContainerRow): string {
  const short = c.image.replace(/@sha256:([0-9a-f]{12})[0-9a-f]{52}$/, "@sha256:$1…");
  return c.imagePinned ? code(short) : `${code(short)} (tag, not digest)`;
}
const containerRow = (c: ContainerRow) => [
  code(c.family),
  `**${cell(c.name)}**`,
  image(c),
  c.cpu === undefined ? "-" : String(c.cpu),
  c.memoryMiB === undefined ? `${WARN} none` : `${c.memoryMiB} MiB${c.memoryReservationMiB !== undefined ? ` (reserve ${c.memoryReservationMiB})` : ""}`,
  c.healthCheck === undefined ? `${WARN} none` : code(c.healthCheck, 50),
  c.readonlyRootFilesystem ? "yes" : `${WARN} no`,
  c.user === undefined ? `${WARN} image default (root?)` : /^(root|0)(:.*)?$/.test(c.user) ? `${WARN} ${code(c.user)}` : code(c.user),
  c.ports.length ? c.ports.join(", ") : "-",
  c.privileged ? `${WARN} yes` : "no",
];
const CONTAINER_HEADER = ["Task family", "Container", "Image", "CPU", "Memory", "Health check", "Read-only root", "User", "Ports", "Privileged"];

const envoyRow = (e: EnvoySettingRow) => [code(e.setting), code(e.value, 200)];
const ENVOY_HEADER = ["Setting", "Value"];

const invokerRow = (i: InvokerRow) => [i.principal === "*" ? `${WARN} ${code(i.principal)}` : code(i.principal), i.directInvoke ? `${WARN} ${code(i.action)} (direct invoke, not only through the URL)` : code(i.action), `${code(i.source)} (${i.kind === "permission" ? "resource permission" : "identity policy"})`, i.conditions === "-" ? "-" : code(i.conditions, 160), code(i.function)];
const INVOKER_HEADER = ["Principal", "Action", "Source", "Conditions", "Function"];

const violationRow = (v: Violation) => [code(v.rule), code(v.address), cell(v.message, 220)];
const VIOLATION_HEADER = ["Rule", "Resource", "Problem"];

function summaryLine(report: Report): string {
  const s = report.summary;
  return `**${s.create} to create, ${s.update} to update, ${s.replace} to replace, ${s.destroy} to destroy**, ${s.unchanged} unchanged · terraform ${report.terraformVersion}`;
}

function verdict(passed: boolean, violations: number): string {
  return passed ? "✅ policy rules pass" : `❌ ${plural(violations, "policy violation")}`;
}

/** The full review as Markdown, for a pull-request comment or a CI step summary. */
export function renderReport(report: Report): string {
  const out: string[] = [commentMarker(report.environment), `## Plan review: \`${report.environment}\` · ${verdict(report.passed, report.violations.length)}`, "", summaryLine(report), ""];

  if (report.destructive.length) {
    out.push(`### ${WARN} Destructive changes`, "", table(["Resource", "Change", "Loses", "Forced by"], report.destructive.map((d) => [code(d.address), `**${d.change}**`, cell(d.loses), d.forcedBy.length ? d.forcedBy.map((p) => code(p)).join(", ") : "-"])), "");
  } else {
    out.push("No stateful resource is replaced or destroyed.", "");
  }

  if (report.violations.length) {
    out.push("### ❌ Policy violations", "", table(VIOLATION_HEADER, report.violations.map(violationRow)), "");
    out.push("Fix each, or accept it in `review/accepted-suppressions.ts` with a reason (docs/plan-review.md).", "");
  } else {
    out.push(`All ${RULES.length} policy rules pass${report.suppressed.length ? ` (${plural(report.suppressed.length, "suppressed finding")} below)` : ""}.`, "");
  }
  if (report.suppressed.length) {
    out.push(
      `<details><summary>${plural(report.suppressed.length, "suppressed finding")} (accepted in review/accepted-suppressions.ts)</summary>`,
      "",
      table(["Rule", "Resource", "Subject", "Reason"], report.suppressed.map((s) => [code(s.rule), code(s.address), s.subject === undefined ? "-" : code(s.subject), cell(s.reason, 200)])),
      "",
      "</details>",
      "",
    );
  }
  if (report.unusedSuppressions.length) {
    out.push(`${WARN} Suppressions that matched nothing (remove them or fix the address):`, "", ...report.unusedSuppressions.map((s) => `- ${code(s.rule)} on ${code(s.address)}${s.subject ? ` (${code(s.subject)})` : ""}`), "");
  }

  const wild = report.iam.statements.filter((s) => s.wildcards.length > 0).length;
  out.push(`### IAM statements (${report.iam.statements.length}, ${wild} with wildcards${wild ? ` ${WARN}` : ""})`, "", table(IAM_HEADER, iamRows(report.iam.statements)), "");
  if (report.iam.unresolved.length) {
    out.push("Policies not readable before apply:", "", ...report.iam.unresolved.map((u) => `- ${code(u.address)} ${u.attribute}: ${code(u.value)}`), "");
  }

  const exposed = report.network.ingress.filter((r) => r.public).length;
  out.push(`### Network exposure (${plural(exposed, "public ingress rule")} 🌐)`, "", "**Ingress**", "", table(INGRESS_HEADER, report.network.ingress.map(ingressRow)), "");
  out.push("**Listeners**", "", report.network.listeners.length ? table(LISTENER_HEADER, report.network.listeners.map(listenerRow)) : "None.", "");
  out.push("**Subnets**", "", report.network.subnets.length ? table(SUBNET_HEADER, report.network.subnets.map(subnetRow)) : "None.", "");

  out.push("### Encryption at rest", "", report.encryption.length ? table(ENCRYPTION_HEADER, report.encryption.map(encryptionRow)) : "Nothing stores data.", "");

  const c = report.containers;
  out.push("### Containers", "");
  if (c.tasks.length) {
    out.push(...c.tasks.map((t) => `- ${code(t.family)}: task CPU ${t.cpu}, memory ${t.memory} MiB, task role ${code(t.taskRole)}, execution role ${code(t.executionRole)}`), "");
    if (c.containers.length) out.push(table(CONTAINER_HEADER, c.containers.map(containerRow)), "");
    out.push(...c.unreadable.map((u) => `- ${WARN} ${code(u.address)}: container definitions not readable before apply (${code(u.value)})`));
  } else {
    out.push("No ECS task definition.", "");
  }

  if (report.envoy.length) {
    for (const where of [...new Set(report.envoy.map((e) => e.where))]) {
      out.push(`### Envoy configuration (${cell(where)})`, "", table(ENVOY_HEADER, report.envoy.filter((e) => e.where === where).map(envoyRow)), "");
    }
  }

  if (report.invokers.length) {
    out.push("### Who may invoke the issuer", "", table(INVOKER_HEADER, report.invokers.map(invokerRow)), "");
  }

  out.push(
    `<details><summary>Changes by resource type (${plural(report.changes.length, "type")})</summary>`,
    "",
    report.changes.length ? table(["Type", "Create", "Update", "Replace", "Destroy"], report.changes.map((t) => [code(t.type), ...[t.create, t.update, t.replace, t.destroy].map((n) => (n ? String(n) : "·"))])) : "No changes.",
    "",
    "</details>",
  );
  return `${out.join("\n").replace(/\n{3,}/g, "\n\n")}\n`;
}

function rowDiff<T>(title: string, header: readonly string[], diff: RowDiff<T>, row: (r: T) => string[]): string[] {
  const rows = [
    ...diff.added.map((r) => ["➕ added", ...row(r)]),
    ...diff.removed.map((r) => ["➖ removed", ...row(r)]),
    ...diff.changed.flatMap(({ before, after }) => [["✏️ was", ...row(before)], ["✏️ now", ...row(after)]]),
  ];
  return rows.length ? [`### ${title}`, "", table(["", ...header], rows), ""] : [];
}

/** Envoy settings that differ, as one was/now table. */
function envoyDiff(diff: RowDiff<EnvoySettingRow>): string[] {
  const rows = [
    ...diff.changed.map(({ before, after }) => [code(after.where), code(after.setting), code(before.value, 120), code(after.value, 120)]),
    ...diff.added.map((e) => [code(e.where), code(e.setting), "absent", code(e.value, 120)]),
    ...diff.removed.map((e) => [code(e.where), code(e.setting), code(e.value, 120), "absent"]),
  ];
  return rows.length ? ["### Envoy settings", "", table(["Task definition, container", "Setting", "Was", "Now"], rows), ""] : [];
}

/** What changed between two plans, as Markdown. */
export function renderDiff(diff: ReviewDiff): string {
  const h = diff.head;
  const out: string[] = [commentMarker(diff.environment), `## Plan review: \`${diff.environment}\`, changes from the base plan · ${verdict(diff.passed, h.violations.length)}`, "", `Head plan: ${summaryLine(h)}`, ""];
  const newDestructive = diff.destructive.added;
  if (newDestructive.length) {
    out.push(`### ${WARN} New destructive changes`, "", table(["Resource", "Change", "Loses"], newDestructive.map((d) => [code(d.address), `**${d.change}**`, cell(d.loses)])), "");
  }
  const v = diff.violations;
  if (v.added.length) out.push("### ❌ New policy violations", "", table(VIOLATION_HEADER, v.added.map(violationRow)), "");
  if (v.remaining.length) out.push(`### ❌ Violations also in the base plan (${v.remaining.length})`, "", table(VIOLATION_HEADER, v.remaining.map(violationRow)), "");
  if (v.resolved.length) out.push("### ✅ Violations this change resolves", "", table(VIOLATION_HEADER, v.resolved.map(violationRow)), "");

  const sections = [
    ...(diff.resources.length
      ? [
          "### Resources planned differently",
          "",
          table(["Resource", "Base plan", "Head plan", "Attributes that differ"], diff.resources.map((r) => [code(r.address), r.base, r.head, r.attributes.length ? cell(r.attributes.join(", "), 160) : "-"])),
          "",
        ]
      : []),
    ...rowDiff("IAM statements", IAM_HEADER, diff.iam, (s) => iamRows([s])[0]!),
    ...rowDiff("Ingress", INGRESS_HEADER, diff.ingress, ingressRow),
    ...rowDiff("Listeners", LISTENER_HEADER, diff.listeners, listenerRow),
    ...rowDiff("Subnets", SUBNET_HEADER, diff.subnets, subnetRow),
    ...rowDiff("Encryption at rest", ENCRYPTION_HEADER, diff.encryption, encryptionRow),
    ...rowDiff("Containers", CONTAINER_HEADER, diff.containers, containerRow),
    ...envoyDiff(diff.envoy),
    ...rowDiff("Who may invoke the issuer", INVOKER_HEADER, diff.invokers, invokerRow),
  ];
  out.push(...(sections.length ? sections : ["No difference between the base and head plans.", ""]));
  return `${out.join("\n").replace(/\n{3,}/g, "\n\n")}\n`;
}
