import { readFileSync } from "node:fs";

/**
 * CI's reading of `npm audit --omit=dev --json`: advisories of severity high or critical fail the
 * build unless docs/dependencies.md accepts them (by GHSA id, under "## Accepted advisories"), so an
 * accepted advisory cannot be undocumented. Usage: `tsx bin/ci/audit-verdict.ts <report.json> <dependencies.md>`.
 */

export const BLOCKING_SEVERITIES: readonly string[] = ["high", "critical"];
/** The heading of the section of docs/dependencies.md whose GHSA ids are accepted. */
export const ACCEPTED_HEADING = "## Accepted advisories";
/** Exit codes: a pass, a blocking advisory, and a report that could not be obtained. */
export const AUDIT_EXIT = { pass: 0, fail: 1, unavailable: 3 } as const;

export interface Advisory {
  /** The GHSA id when the advisory URL carries one, else the URL or title. */
  readonly id: string;
  readonly packageName: string;
  readonly severity: string;
  readonly title: string;
  readonly url: string;
}

export type AuditVerdict =
  | { readonly kind: "unavailable"; readonly reason: string }
  | { readonly kind: "pass"; readonly accepted: readonly Advisory[]; readonly staleAcceptances: readonly string[] }
  | { readonly kind: "fail"; readonly blocking: readonly Advisory[]; readonly accepted: readonly Advisory[] };

const GHSA = /GHSA-[a-z0-9]{4}-[a-z0-9]{4}-[a-z0-9]{4}/gi;

/** The GHSA ids listed in the accepted-advisories section of the dependencies document. */
export function acceptedAdvisories(markdown: string): Set<string> {
  const start = markdown.indexOf(`${ACCEPTED_HEADING}\n`);
  if (start < 0) return new Set();
  const rest = markdown.slice(start + ACCEPTED_HEADING.length);
  const next = rest.search(/\n## /);
  const section = next < 0 ? rest : rest.slice(0, next);
  return new Set([...section.matchAll(GHSA)].map((m) => m[0].toUpperCase()));
}

interface ViaObject {
  readonly name?: unknown;
  readonly title?: unknown;
  readonly url?: unknown;
  readonly severity?: unknown;
}

/** Every advisory the report names (deduplicated), whatever its severity. */
function advisories(vulnerabilities: Record<string, { via?: unknown }>): Advisory[] {
  const found = new Map<string, Advisory>();
  for (const [packageName, entry] of Object.entries(vulnerabilities)) {
    for (const via of Array.isArray(entry.via) ? (entry.via as unknown[]) : []) {
      if (typeof via !== "object" || via === null) continue; // a package name: the advisory is listed under it
      const { name, title, url, severity } = via as ViaObject;
      const link = typeof url === "string" ? url : "";
      const id = (link.match(GHSA)?.[0] ?? (link || String(title))).toUpperCase();
      if (!found.has(id)) {
        found.set(id, { id, packageName: typeof name === "string" ? name : packageName, severity: String(severity), title: String(title), url: link });
      }
    }
  }
  return [...found.values()].sort((a, b) => a.id.localeCompare(b.id));
}

/** Judges an `npm audit --json` report (npm 7+ format) against the accepted GHSA ids. */
export function auditVerdict(reportText: string, accepted: ReadonlySet<string>): AuditVerdict {
  let report: { error?: unknown; message?: unknown; vulnerabilities?: unknown };
  try {
    report = JSON.parse(reportText) as typeof report;
  } catch {
    return { kind: "unavailable", reason: "npm audit printed no JSON report" };
  }
  if (typeof report !== "object" || report === null || report.error !== undefined || typeof report.vulnerabilities !== "object" || report.vulnerabilities === null) {
    const message = typeof report?.message === "string" ? report.message : "the report has no vulnerabilities section";
    return { kind: "unavailable", reason: message };
  }
  const serious = advisories(report.vulnerabilities as Record<string, { via?: unknown }>).filter((a) => BLOCKING_SEVERITIES.includes(a.severity));
  const blocking = serious.filter((a) => !accepted.has(a.id));
  const acceptedNow = serious.filter((a) => accepted.has(a.id));
  if (blocking.length > 0) return { kind: "fail", blocking, accepted: acceptedNow };
  const reported = new Set(serious.map((a) => a.id));
  return { kind: "pass", accepted: acceptedNow, staleAcceptances: [...accepted].filter((id) => !reported.has(id)).sort() };
}

const line = (a: Advisory) => `  ${a.id} ${a.severity} in ${a.packageName}: ${a.title}${a.url ? ` (${a.url})` : ""}`;

/** What CI prints for a verdict. */
export function describeVerdict(verdict: AuditVerdict): string {
  switch (verdict.kind) {
    case "unavailable":
      return `npm audit: NOT CHECKED, the advisory endpoint gave no report (${verdict.reason}). Run npm audit --omit=dev where the registry's audit endpoint is reachable.`;
    case "fail":
      return [
        `npm audit: FAILED, ${verdict.blocking.length} high or critical advisor${verdict.blocking.length === 1 ? "y" : "ies"} in production dependencies:`,
        ...verdict.blocking.map(line),
        `Upgrade the package (npm audit fix --omit=dev), or accept the advisory with a reason under "${ACCEPTED_HEADING}" in docs/dependencies.md.`,
      ].join("\n");
    case "pass":
      return [
        `npm audit: passed (no unaccepted high or critical advisory in production dependencies)${verdict.accepted.length ? "; accepted:" : ""}`,
        ...verdict.accepted.map(line),
        ...(verdict.staleAcceptances.length ? [`No longer reported, remove from docs/dependencies.md: ${verdict.staleAcceptances.join(", ")}`] : []),
      ].join("\n");
  }
}

if (require.main === module) {
  const [reportFile, documentFile] = process.argv.slice(2);
  if (!reportFile || !documentFile) {
    process.stderr.write("usage: tsx bin/ci/audit-verdict.ts <npm-audit-report.json> <docs/dependencies.md>\n");
    process.exit(2);
  }
  const verdict = auditVerdict(readFileSync(reportFile, "utf8"), acceptedAdvisories(readFileSync(documentFile, "utf8")));
  process.stdout.write(`${describeVerdict(verdict)}\n`);
  process.exit(AUDIT_EXIT[verdict.kind]);
}
