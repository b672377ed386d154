import { CLIENTS, ROWS, cellKey, type CellResult, type ClientId } from "./cells";
import { BEGIN_MARKER, END_MARKER, comparable, documentedStatuses, extractSection, renderSection, replaceSection } from "./doc";
import { NOTES } from "./notes";

const versions = Object.fromEntries(CLIENTS.map((c) => [c.id, "1.0"])) as Record<ClientId, string>;

function allPass(): Map<string, CellResult> {
  const results = new Map<string, CellResult>();
  for (const client of CLIENTS) for (const row of ROWS) results.set(cellKey(client.id, row.id), { status: "pass" });
  return results;
}

describe("the client matrix's table in docs/clients.md", () => {
  it("reads back the status of every cell it rendered", () => {
    const results = allPass();
    results.set(cellKey("s3cmd", "copy-small"), { status: "fail", error: "403 AccessDenied" });
    results.set(cellKey("aws-cli-v2", "presign-put"), { status: "n/a" });
    const statuses = documentedStatuses(renderSection(results, versions));
    expect(statuses.size).toBe(CLIENTS.length * ROWS.length);
    for (const [key, result] of results) expect([key, statuses.get(key)]).toEqual([key, result.status]);
  });

  it("numbers a note for each cell that does not pass, in table order, with the failure when no note explains it", () => {
    const results = allPass();
    results.set(cellKey("rclone", "sync"), { status: "fail", error: "AccessDenied: x-amz-acl" });
    results.set(cellKey("aws-cli-v2", "presign-put"), { status: "n/a" });
    const section = renderSection(results, versions);
    expect(section).toContain("| sync up, then down | pass | pass | pass | pass | **fail** [1] | pass |");
    expect(section).toContain("1. rclone, sync up, then down: unexplained failure: AccessDenied: x-amz-acl");
    expect(section).toContain(`2. aws cli v2, presigned PUT: ${NOTES[cellKey("aws-cli-v2", "presign-put")]?.text}`);
  });

  it("compares two runs without the client versions, which differ between machines", () => {
    const a = renderSection(allPass(), versions);
    const b = renderSection(allPass(), { ...versions, rclone: "9.9" });
    expect(a).not.toBe(b);
    expect(comparable(a)).toBe(comparable(b));
    const failing = allPass();
    failing.set(cellKey("boto3", "head"), { status: "fail", error: "x" });
    expect(comparable(renderSection(failing, versions))).not.toBe(comparable(a));
  });

  it("replaces only the text between the markers", () => {
    const doc = `# Title\n\nintro\n\n${BEGIN_MARKER}\nold table\n${END_MARKER}\n\nafter\n`;
    const updated = replaceSection(doc, "new table");
    expect(updated).toBe(`# Title\n\nintro\n\n${BEGIN_MARKER}\nnew table\n${END_MARKER}\n\nafter\n`);
    expect(extractSection(updated)).toBe("new table");
    expect(extractSection("no markers")).toBeUndefined();
    expect(() => replaceSection("no markers", "x")).toThrow(/markers/);
  });

  it("gives cells with the same reason one note that names them all", () => {
    const results = allPass();
    results.set(cellKey("aws-cli-v2", "presign-put"), { status: "n/a" });
    results.set(cellKey("aws-cli-v1", "presign-put"), { status: "n/a" });
    const section = renderSection(results, versions);
    expect(section).toContain("| presigned PUT | n/a [1] | n/a [1] | pass |");
    expect(section).toContain("1. aws cli v2, presigned PUT; aws cli v1, presigned PUT: ");
    expect(section).not.toContain("\n2. ");
  });

  it("escapes a pipe in a note so it cannot split the table", () => {
    const results = allPass();
    results.set(cellKey("boto3", "head"), { status: "fail", error: "a | b" });
    const section = renderSection(results, versions);
    expect(section).toContain("a \\| b");
    expect(documentedStatuses(section).get(cellKey("boto3", "head"))).toBe("fail");
  });
});
