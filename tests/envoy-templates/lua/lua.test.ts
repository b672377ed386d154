import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { envoySettings } from "../../../envoy-templates";
import { stripInternalHeadersLua, upstreamPathLua } from "../../../envoy-templates/lua";

/**
 * Runs the two Lua filters in a real Lua interpreter against a stand-in for Envoy's handle
 * (harness.lua). Envoy embeds LuaJIT built with Lua 5.2 compatibility (`__pairs`); a stock
 * Lua 5.2+ has the same `pairs` semantics, stock LuaJIT does not, so it is not used here.
 */
const LUA = ["lua5.4", "lua5.3", "lua"].find((bin) => spawnSync(bin, ["-e", "assert(_VERSION >= 'Lua 5.2')"]).status === 0);
const describeLua = LUA ? describe : describe.skip;
if (!LUA) {
  console.warn("skipping the Lua filter tests: no Lua 5.2+ interpreter (apt-get install lua5.4)");
}

const settings = envoySettings({ s3Region: "eu-west-1" });
const STRIP = stripInternalHeadersLua(settings.extAuthz.removedRequestHeaderPrefixes);
const UPSTREAM = upstreamPathLua(settings.extAuthz.upstreamPathHeader);

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "rajee-lua-"));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

type Headers = [string, string][];

function run(code: string, headers: Headers): { headers: Headers; respond?: string } {
  const filter = join(dir, "filter.lua");
  const input = join(dir, "headers.tsv");
  writeFileSync(filter, code);
  writeFileSync(input, headers.map(([k, v]) => `${k}\t${v}\n`).join(""));
  const out = execFileSync(LUA!, [join(__dirname, "harness.lua"), filter, input], { encoding: "utf8" });
  const lines = out.split("\n").filter((l) => l !== "").map((l) => l.split("\t") as [string, string]);
  const respond = lines.find(([k]) => k === "RESPOND")?.[1];
  return { headers: lines.filter(([k]) => k !== "RESPOND"), ...(respond === undefined ? {} : { respond }) };
}

describeLua("strip_internal_headers", () => {
  it("removes every x-rajee-* and x-envoy-* header, repeats included, and keeps the rest in order", () => {
    const result = run(STRIP, [
      [":method", "GET"],
      [":path", "/b/k"],
      ["x-rajee-upstream-path", "/other/key"],
      ["x-amz-date", "20250101T000000Z"],
      ["x-envoy-retry-on", "5xx"],
      ["x-rajee-upstream-path", "/again"],
      ["x-envoy-upstream-rq-timeout-ms", "1"],
      ["x-rajeex", "kept: no dash after the prefix"],
      ["authorization", "Bearer t"],
    ]);
    expect(result).toEqual({
      headers: [
        [":method", "GET"],
        [":path", "/b/k"],
        ["x-amz-date", "20250101T000000Z"],
        ["x-rajeex", "kept: no dash after the prefix"],
        ["authorization", "Bearer t"],
      ],
    });
  });

  it("never leaves an internal header, whatever the client sends", () => {
    const name = fc.oneof(
      fc.constantFrom("x-rajee-upstream-path", "x-envoy-retry-on", "x-amz-date", "authorization", "x-rajee-", "x-envoy-", "x-request-id"),
      fc.stringMatching(/^x-(rajee|envoy|amz)-[a-z0-9-]{0,12}$/),
    );
    fc.assert(
      fc.property(fc.array(fc.tuple(name, fc.stringMatching(/^[ -~]{0,20}$/)), { maxLength: 12 }), (headers) => {
        const kept = run(STRIP, headers as Headers).headers;
        expect(kept).toEqual(headers.filter(([k]) => !k.startsWith("x-rajee-") && !k.startsWith("x-envoy-")));
      }),
      { numRuns: 25 },
    );
  });
});

describeLua("upstream_path", () => {
  it("replaces :path with the authorizer's path and removes the header", () => {
    expect(
      run(UPSTREAM, [
        [":path", "/?X-Amz-Security-Token=jwt"],
        ["x-rajee-upstream-path", "/bucket/a%20b"],
        ["authorization", "AWS4-HMAC-SHA256 ..."],
      ]),
    ).toEqual({ headers: [[":path", "/bucket/a%20b"], ["authorization", "AWS4-HMAC-SHA256 ..."]] });
  });

  it("leaves the request alone when the authorizer returned no upstream path", () => {
    const headers: Headers = [[":path", "/bucket/key"], [":method", "PUT"]];
    expect(run(UPSTREAM, headers)).toEqual({ headers });
  });

  it.each([["bucket/key"], ["/bucket/a b"], ["/bucket/a\u0001b"], [""]])("fails closed with 503 on a malformed value %j", (value) => {
    const result = run(UPSTREAM, [[":path", "/bucket/key"], ["x-rajee-upstream-path", value]]);
    expect(result).toEqual({ headers: [[":path", "/bucket/key"]], respond: "503" });
  });
});

describe("Lua source generation", () => {
  it("refuses a prefix or header that would break out of a Lua string", () => {
    expect(() => stripInternalHeadersLua(['x-"); os.exit() --'])).toThrow('header prefix "x-\\"); os.exit() --" is not a lower-case token');
    expect(() => upstreamPathLua("X-Path")).toThrow('header "X-Path" is not a lower-case token');
  });
});
