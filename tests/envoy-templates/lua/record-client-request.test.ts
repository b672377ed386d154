import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { CLIENT_REQUEST_METADATA, recordClientRequestLua } from "../../../envoy-templates/lua";

/**
 * Runs the record_client_request filter in a real Lua interpreter (metadata-harness.lua stands in
 * for Envoy's handle and its dynamic metadata). Same interpreter choice as lua.test.ts.
 */
const LUA = ["lua5.4", "lua5.3", "lua"].find((bin) => spawnSync(bin, ["-e", "assert(_VERSION >= 'Lua 5.2')"]).status === 0);
const describeLua = LUA ? describe : describe.skip;
if (!LUA) {
  console.warn("skipping the record_client_request Lua tests: no Lua 5.2+ interpreter (apt-get install lua5.4)");
}

const CODE = recordClientRequestLua();
const NS = CLIENT_REQUEST_METADATA.namespace;

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "rajee-lua-record-"));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

type Headers = [string, string][];

function run(headers: Headers): { headers: Headers; metadata: [string, string, string][] } {
  const filter = join(dir, "filter.lua");
  const input = join(dir, "headers.tsv");
  writeFileSync(filter, CODE);
  writeFileSync(input, headers.map(([k, v]) => `${k}\t${v}\n`).join(""));
  const out = execFileSync(LUA!, [join(__dirname, "metadata-harness.lua"), filter, input], { encoding: "utf8" });
  const lines = out.split("\n").filter((l) => l !== "").map((l) => l.split("\t"));
  return {
    headers: lines.filter((l) => l[0] !== "METADATA").map((l) => [l[0]!, l[1]!] as [string, string]),
    metadata: lines.filter((l) => l[0] === "METADATA").map((l) => [l[1]!, l[2]!, l[3] ?? ""] as [string, string, string]),
  };
}

describeLua("record_client_request", () => {
  it("records the path without the presigned query and the authority, and leaves the request alone", () => {
    const headers: Headers = [
      [":method", "GET"],
      [":path", "/data/reports/q1.csv?X-Amz-Credential=AKIA%2F&X-Amz-Signature=abc"],
      [":authority", "data.s3.dev.rajee.example.com"],
      ["authorization", "Bearer t"],
    ];
    expect(run(headers)).toEqual({
      headers,
      metadata: [
        [NS, "path", "/data/reports/q1.csv"],
        [NS, "authority", "data.s3.dev.rajee.example.com"],
      ],
    });
  });

  it("records a path with no query unchanged, and empty values when a pseudo-header is absent", () => {
    expect(run([[":path", "/b/k%20with%3Fescaped"]]).metadata).toEqual([
      [NS, "path", "/b/k%20with%3Fescaped"],
      [NS, "authority", ""],
    ]);
  });

  it("never records anything from the query, whatever the path", () => {
    const segment = fc.stringMatching(/^[A-Za-z0-9._~%/-]{0,24}$/);
    fc.assert(
      fc.property(segment, fc.option(fc.stringMatching(/^[A-Za-z0-9=&%._?-]{0,24}$/), { nil: undefined }), (path, query) => {
        const sent = query === undefined ? `/${path}` : `/${path}?${query}`;
        const recorded = run([[":path", sent], [":authority", "h"]]).metadata.find(([, key]) => key === "path")?.[2];
        expect(recorded).toBe(`/${path}`);
      }),
      { numRuns: 25 },
    );
  });
});
