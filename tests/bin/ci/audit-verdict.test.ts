import fc from "fast-check";
import { acceptedAdvisories, auditVerdict, describeVerdict } from "../../../bin/ci/audit-verdict";

/** One advisory as npm 7+ lists it under `vulnerabilities.<package>.via`. */
const via = (ghsa: string, severity: string, name = "pkg") => ({
  source: 1,
  name,
  dependency: name,
  title: `problem ${ghsa}`,
  url: `https://github.com/advisories/${ghsa}`,
  severity,
  range: "<2.0.0",
});

const report = (vulnerabilities: Record<string, unknown>) =>
  JSON.stringify({ auditReportVersion: 2, vulnerabilities, metadata: { vulnerabilities: {} } });

const DOC = `# Dependencies

## Accepted advisories

| advisory | package | why accepted | review by |
|---|---|---|---|
| GHSA-aaaa-bbbb-cccc | pkg | the vulnerable function is never called | 2027-01-01 |

## Something else
GHSA-9999-9999-9999 is only mentioned here.
`;

describe("the audit verdict", () => {
  it("reads accepted GHSA ids only from the accepted-advisories section", () => {
    expect([...acceptedAdvisories(DOC)]).toEqual(["GHSA-AAAA-BBBB-CCCC"]);
    expect(acceptedAdvisories("# Dependencies\nGHSA-aaaa-bbbb-cccc\n").size).toBe(0);
  });

  it("passes a report with no vulnerabilities", () => {
    expect(auditVerdict(report({}), new Set())).toEqual({ kind: "pass", accepted: [], staleAcceptances: [] });
  });

  it("fails on an unaccepted high advisory and names it with the fix", () => {
    const verdict = auditVerdict(report({ pkg: { name: "pkg", severity: "high", via: [via("GHSA-1111-2222-3333", "high")] } }), acceptedAdvisories(DOC));
    expect(verdict).toMatchObject({ kind: "fail", blocking: [{ id: "GHSA-1111-2222-3333", severity: "high", packageName: "pkg" }] });
    expect(describeVerdict(verdict)).toMatch(/FAILED, 1 high or critical advisory[\s\S]*GHSA-1111-2222-3333[\s\S]*docs\/dependencies.md/);
  });

  it("passes an accepted critical advisory and lists it, and ignores moderate ones", () => {
    const verdict = auditVerdict(
      report({
        pkg: { name: "pkg", severity: "critical", via: [via("GHSA-aaaa-bbbb-cccc", "critical"), via("GHSA-4444-5555-6666", "moderate")] },
        parent: { name: "parent", severity: "critical", via: ["pkg"] },
      }),
      acceptedAdvisories(DOC),
    );
    expect(verdict).toMatchObject({ kind: "pass", accepted: [{ id: "GHSA-AAAA-BBBB-CCCC" }], staleAcceptances: [] });
  });

  it("points out acceptances that are no longer reported", () => {
    const verdict = auditVerdict(report({}), acceptedAdvisories(DOC));
    expect(verdict).toEqual({ kind: "pass", accepted: [], staleAcceptances: ["GHSA-AAAA-BBBB-CCCC"] });
    expect(describeVerdict(verdict)).toContain("remove from docs/dependencies.md: GHSA-AAAA-BBBB-CCCC");
  });

  it("says the audit did not run when the endpoint answers with an error, never that it passed", () => {
    const unreachable = JSON.stringify({ message: "405 Method Not Allowed - POST https://registry.npmjs.org/-/npm/v1/security/advisories/bulk", statusCode: 405, error: { summary: "", detail: "" } });
    expect(auditVerdict(unreachable, new Set())).toEqual({ kind: "unavailable", reason: expect.stringContaining("405 Method Not Allowed") });
    expect(auditVerdict("", new Set())).toMatchObject({ kind: "unavailable" });
    expect(describeVerdict(auditVerdict(unreachable, new Set()))).toMatch(/^npm audit: NOT CHECKED/);
  });

  it("fails exactly when some high or critical advisory is not accepted (property)", () => {
    const id = fc.stringMatching(/^[a-z0-9]{4}$/).map((s) => `GHSA-${s}-${s}-${s}`);
    const severity = fc.constantFrom("info", "low", "moderate", "high", "critical");
    fc.assert(
      fc.property(fc.uniqueArray(fc.record({ id, severity, accepted: fc.boolean() }), { selector: (a) => a.id, maxLength: 8 }), (list) => {
        const vulnerabilities = Object.fromEntries(list.map((a, i) => [`pkg${i}`, { name: `pkg${i}`, severity: a.severity, via: [via(a.id, a.severity, `pkg${i}`)] }]));
        const accepted = new Set(list.filter((a) => a.accepted).map((a) => a.id.toUpperCase()));
        const verdict = auditVerdict(report(vulnerabilities), accepted);
        const shouldFail = list.some((a) => ["high", "critical"].includes(a.severity) && !a.accepted);
        expect(verdict.kind).toBe(shouldFail ? "fail" : "pass");
      }),
    );
  });
});
