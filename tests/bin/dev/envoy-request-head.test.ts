import fc from "fast-check";
import { admitRequestHead, HOP_BY_HOP_REQUEST_HEADERS, type Admitted, type LocalReply } from "../../../bin/dev/envoy-request-head";
import { envoySettings, type EnvoySettingsInput } from "../../../envoy-templates";
import { SINGLE_VALUE_HEADERS } from "../../../src/s3/single-headers";

const settings = (input: Partial<EnvoySettingsInput> = {}) => envoySettings({ s3Region: "eu-west-1", ...input });
const admit = (rawHeaders: string[], more: { httpVersion?: string; url?: string; input?: Partial<EnvoySettingsInput> } = {}) =>
  admitRequestHead(settings(more.input), { httpVersion: more.httpVersion ?? "1.1", method: "GET", url: more.url ?? "/b/k", rawHeaders }, () => "generated-id");
const admitted = (verdict: Admitted | LocalReply): Admitted => {
  if (verdict.kind !== "admit") throw new Error(`refused by ${verdict.rule}`);
  return verdict;
};

describe("admitRequestHead", () => {
  it("lower-cases names, joins inline repeats in the first one's place, keeps other repeats, and adds a request id", () => {
    const verdict = admitted(admit(["Host", "s3.local", "X-Amz-Meta-A", "1", "User-Agent", "a", "x-amz-meta-a", "2", "user-agent", "b"]));
    expect(verdict.headers).toEqual([
      ["host", "s3.local"],
      ["x-amz-meta-a", "1"],
      ["user-agent", "a,b"],
      ["x-amz-meta-a", "2"],
      ["x-request-id", "generated-id"],
    ]);
  });

  it("counts the URL and every name and value against max_request_headers_kb, as the codec does", () => {
    const oneKiB = { maxRequestHeadersKb: 1 };
    // URL 4 + "host" 4 + "s3" 2 + "x-amz-meta-a" 12 = 22 bytes, so 1002 bytes of value make 1024: allowed; one more is not.
    expect(admit(["host", "s3", "x-amz-meta-a", "v".repeat(1002)], { url: "/b/k", input: oneKiB }).kind).toBe("admit");
    expect(admit(["host", "s3", "x-amz-meta-a", "v".repeat(1003)], { url: "/b/k", input: oneKiB })).toMatchObject({ status: 431, rule: "header-size-limit" });
    expect(admit(["host", "s3"], { url: `/${"k".repeat(1024)}`, input: oneKiB })).toMatchObject({ status: 431 });
  });

  it("drops or keeps underscore headers as the setting says", () => {
    const raw = ["host", "s3", "x_a", "1"];
    expect(admit(raw, { input: { headersWithUnderscoresAction: "REJECT_REQUEST" } })).toMatchObject({ status: 400, rule: "underscore-headers", closeConnection: true });
    expect(admitted(admit(raw)).headers).toContainEqual(["x_a", "1"]);
    expect(admitted(admit(raw, { input: { headersWithUnderscoresAction: "DROP_HEADER" } })).headers.map(([n]) => n)).not.toContain("x_a");
    expect(admitted(admit(raw, { input: { headersWithUnderscoresAction: "ALLOW" } })).headers).toContainEqual(["x_a", "1"]);
  });

  it("answers Expect: 100-continue itself (any case) and passes other expectations on", () => {
    const verdict = admitted(admit(["host", "s3", "Expect", "100-Continue"]));
    expect(verdict.continueSent).toBe(true);
    expect(verdict.headers.map(([n]) => n)).not.toContain("expect");
    expect(admitted(admit(["host", "s3", "expect", "something-else"])).headers).toContainEqual(["expect", "something-else"]);
  });

  it("closes after the response on Connection: close, and for HTTP/1.0 unless keep-alive, when HTTP/1.0 is accepted", () => {
    expect(admitted(admit(["host", "s3", "connection", "Close"])).closeConnection).toBe(true);
    expect(admitted(admit(["host", "s3"])).closeConnection).toBe(false);
    expect(admitted(admit(["host", "s3"], { httpVersion: "1.0", input: { acceptHttp10: true } })).closeConnection).toBe(true);
    expect(admitted(admit(["host", "s3", "connection", "keep-alive"], { httpVersion: "1.0", input: { acceptHttp10: true } })).closeConnection).toBe(false);
  });

  it("keeps TE only as trailers and marks a chunked body for re-framing", () => {
    const verdict = admitted(admit(["host", "s3", "te", "gzip, trailers", "transfer-encoding", "chunked"]));
    expect(verdict.headers).toContainEqual(["te", "trailers"]);
    expect(verdict.headers.map(([n]) => n)).not.toContain("transfer-encoding");
    expect(verdict.chunked).toBe(true);
  });

  // Security properties: whatever the client sends, what reaches ext_authz has no internal header,
  // no hop-by-hop header, and no single-value header twice.
  it("never admits an internal, hop-by-hop or repeated single-value header", () => {
    const name = fc.oneof(
      fc.constantFrom(...SINGLE_VALUE_HEADERS.map((h) => h.name), ...HOP_BY_HOP_REQUEST_HEADERS, "x-rajee-upstream-path", "x-envoy-retry-on", "x-amz-meta-a", "te", "expect"),
      fc.stringMatching(/^x-(rajee|envoy|amz)-[a-z0-9-]{0,8}$/),
    );
    const casing = fc.constantFrom((s: string) => s, (s: string) => s.toUpperCase());
    const value = fc.constantFrom("a", "b,c", "close", "100-continue", "chunked", "trailers", "x-amz-meta-a");
    fc.assert(
      fc.property(fc.array(fc.tuple(name, casing, value), { maxLength: 10 }), (lines) => {
        const raw = ["host", "s3.local", ...lines.flatMap(([n, c, v]) => [c(n), v])];
        const verdict = admit(raw);
        if (verdict.kind !== "admit") return;
        const names = verdict.headers.map(([n]) => n);
        expect(names.filter((n) => n.startsWith("x-rajee-") || n.startsWith("x-envoy-"))).toEqual([]);
        expect(names.filter((n) => HOP_BY_HOP_REQUEST_HEADERS.includes(n))).toEqual([]);
        for (const single of SINGLE_VALUE_HEADERS) expect(names.filter((n) => n === single.name).length).toBeLessThanOrEqual(1);
        expect(verdict.headers.find(([n]) => n === "host")?.[1]).not.toContain(",");
      }),
      { numRuns: 300 },
    );
  });
});
