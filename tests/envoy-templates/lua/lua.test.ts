import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { envoySettings } from "../../../envoy-templates";
import { clientContentLengthLua, refuseRepeatedHeadersLua, stripInternalHeadersLua, upstreamPathLua } from "../../../envoy-templates/lua";
import { repeatedHeaderXml, SINGLE_VALUE_HEADERS } from "../../../src/s3/single-headers";

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
const UPSTREAM = upstreamPathLua(settings.extAuthz.upstreamPathHeader, [settings.extAuthz.clientContentLengthHeader]);
const CONTENT_LENGTH = clientContentLengthLua(settings.extAuthz.clientContentLengthHeader);
const REFUSE = refuseRepeatedHeadersLua(SINGLE_VALUE_HEADERS, repeatedHeaderXml);

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "rajee-lua-"));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

type Headers = [string, string][];

interface Run {
  headers: Headers;
  respond?: string;
  responseHeaders?: Record<string, string>;
  body?: string;
}

function run(code: string, headers: Headers): Run {
  const filter = join(dir, "filter.lua");
  const input = join(dir, "headers.tsv");
  writeFileSync(filter, code);
  writeFileSync(input, headers.map(([k, v]) => `${k}\t${v}\n`).join(""));
  const out = execFileSync(LUA!, [join(__dirname, "harness.lua"), filter, input], { encoding: "utf8" });
  const lines = out.split("\n").filter((l) => l !== "").map((l) => l.split("\t"));
  const respond = lines.find(([k]) => k === "RESPOND")?.[1];
  const responseHeaders = Object.fromEntries(lines.filter(([k]) => k === "RESPONSE_HEADER").map(([, n, v]) => [n, v]));
  const body = lines.find(([k]) => k === "BODY")?.[1]?.replace(/\\n/g, "\n");
  return {
    headers: lines.filter(([k]) => k !== "RESPOND" && k !== "RESPONSE_HEADER" && k !== "BODY") as Headers,
    ...(respond === undefined ? {} : { respond }),
    ...(Object.keys(responseHeaders).length > 0 ? { responseHeaders } : {}),
    ...(body === undefined ? {} : { body }),
  };
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

  it("removes the copied client Content-Length, so S3 never sees an internal header", () => {
    expect(run(UPSTREAM, [[":path", "/bucket/key"], ["content-length", "11"], ["x-rajee-client-content-length", "11"]])).toEqual({
      headers: [[":path", "/bucket/key"], ["content-length", "11"]],
    });
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

describeLua("client_content_length", () => {
  it("copies the client's Content-Length for the authorizer, which the check request would otherwise replace", () => {
    expect(run(CONTENT_LENGTH, [[":method", "PUT"], ["content-length", "11"]])).toEqual({
      headers: [[":method", "PUT"], ["content-length", "11"], ["x-rajee-client-content-length", "11"]],
    });
  });

  it("adds nothing when the client sent no Content-Length", () => {
    const headers: Headers = [[":method", "GET"], [":path", "/b/k"]];
    expect(run(CONTENT_LENGTH, headers)).toEqual({ headers });
  });

  it("after the internal headers are stripped, carries only the client's real length, whatever the client claims", () => {
    const stripped = run(STRIP, [[":method", "PUT"], ["x-rajee-client-content-length", "0"], ["content-length", "5"]]);
    expect(run(CONTENT_LENGTH, stripped.headers).headers).toEqual([[":method", "PUT"], ["content-length", "5"], ["x-rajee-client-content-length", "5"]]);
  });
});

describeLua("refuse_repeated_headers", () => {
  /** Envoy's name for a client header: Host is :authority. */
  const key = (name: string) => (name === "host" ? ":authority" : name);

  it.each(SINGLE_VALUE_HEADERS.map((h) => [h.name, h] as const))("answers 400 with the authorizer's XML when %s appears twice", (_name, header) => {
    const result = run(REFUSE, [
      [":path", "/b/k"],
      [key(header.name), "one"],
      ["x-request-id", "req-7"],
      [key(header.name), "two"],
    ]);
    expect(result.respond).toBe("400");
    expect(result.responseHeaders).toEqual({ "content-type": "application/xml", "x-amz-request-id": "req-7" });
    expect(result.body).toBe(repeatedHeaderXml(header, "req-7"));
  });

  it("refuses two Host lines, which Envoy joins into one :authority with a comma", () => {
    const host = SINGLE_VALUE_HEADERS.find((h) => h.name === "host")!;
    const result = run(REFUSE, [[":authority", "a.s3.local,b.s3.local"], ["x-request-id", "req-8"]]);
    expect(result).toMatchObject({ respond: "400", body: repeatedHeaderXml(host, "req-8") });
  });

  it("passes a request whose single-value headers appear once, and changes nothing", () => {
    const headers: Headers = [
      [":authority", "bucket.s3.local"],
      [":path", "/b/k"],
      ["authorization", "AWS4-HMAC-SHA256 Credential=a/b, SignedHeaders=host, Signature=c"],
      ["content-encoding", "aws-chunked,gzip"],
      ["x-amz-meta-tag", "1"],
      ["x-amz-meta-tag", "2"],
    ];
    expect(run(REFUSE, headers)).toEqual({ headers });
  });

  it("leaves a request id that does not look like one out of the answer", () => {
    const result = run(REFUSE, [["x-amz-date", "1"], ["x-amz-date", "2"], ["x-request-id", "<script>"]]);
    expect(result.respond).toBe("400");
    expect(result.responseHeaders).toEqual({ "content-type": "application/xml" });
    expect(result.body).toBe(repeatedHeaderXml(SINGLE_VALUE_HEADERS.find((h) => h.name === "x-amz-date")!, ""));
  });

  it("refuses exactly the requests with a repeated single-value header", () => {
    const name = fc.constantFrom(...SINGLE_VALUE_HEADERS.map((h) => key(h.name)), "x-amz-meta-a", "user-agent", "range");
    const value = fc.stringMatching(/^[a-z0-9.]{1,8}$/);
    fc.assert(
      fc.property(fc.array(fc.tuple(name, value), { maxLength: 8 }), (headers) => {
        const result = run(REFUSE, headers as Headers);
        const counts = new Map<string, number>();
        for (const [n] of headers) counts.set(n, (counts.get(n) ?? 0) + 1);
        const expected = SINGLE_VALUE_HEADERS.some((h) => (counts.get(key(h.name)) ?? 0) > 1);
        expect(result.respond === "400").toBe(expected);
        // Refused or not, the request headers are never changed.
        expect(result.headers).toEqual(headers);
      }),
      { numRuns: 40 },
    );
  });
});

describe("Lua source generation", () => {
  it("refuses a prefix or header that would break out of a Lua string", () => {
    expect(() => stripInternalHeadersLua(['x-"); os.exit() --'])).toThrow('header prefix "x-\\"); os.exit() --" is not a lower-case token');
    expect(() => upstreamPathLua("X-Path")).toThrow('header "X-Path" is not a lower-case token');
    expect(() => upstreamPathLua("x-path", ['x"); os.exit() --'])).toThrow("is not a lower-case token");
    expect(() => clientContentLengthLua("content-length")).toThrow('header "content-length" is not a lower-case x-rajee- token');
    expect(() => refuseRepeatedHeadersLua([{ name: 'x"', code: "InvalidRequest" }], repeatedHeaderXml)).toThrow('header "x\\"" is not a lower-case token');
  });
});
