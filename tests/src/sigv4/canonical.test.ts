import fc from "fast-check";
import { botocoreHeaderValue, canonicalHeaderValue, canonicalQuery, FORMS_DIFFER, canonicalRequest, sha256Hex, signatureBytes, stringToSign, uriEncode } from "../../../src/sigv4/canonical";

/**
 * AWS's SigV4 test suite (aws-sig-v4-test-suite, https://docs.aws.amazon.com/general/latest/gr/signature-v4-test-suite.html;
 * vendored e.g. in boto/botocore tests/unit/auth/aws4_testsuite/<name>/<name>.authz): service
 * `service`, us-east-1, 2015-08-30T12:36:00Z, AKIDEXAMPLE. Only the cases where S3's rules equal the
 * generic ones are used: S3 does not normalise paths, so get-slashes, get-relative and friends differ.
 */
const SUITE = { secret: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", amzDate: "20150830T123600Z", scope: { date: "20150830", region: "us-east-1", service: "service" } };
const EMPTY_HASH = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

interface Vector {
  readonly name: string;
  readonly method: string;
  readonly target: string;
  readonly headers?: Record<string, string>;
  readonly payloadHash?: string;
  readonly signature: string;
}

const VECTORS: readonly Vector[] = [
  { name: "get-vanilla", method: "GET", target: "/", signature: "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31" },
  { name: "get-vanilla-query-order-key-case", method: "GET", target: "/?Param2=value2&Param1=value1", signature: "b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500" },
  { name: "get-vanilla-query-order-value", method: "GET", target: "/?Param1=value2&Param1=value1", signature: "5772eed61e12b33fae39ee5e7012498b51d56abc0abb7c60486157bd471c4694" },
  { name: "get-vanilla-utf8-query", method: "GET", target: "/?%E1%88%B4=bar", signature: "2cdec8eed098649ff3a119c94853b13c643bcf08f8b0a1d91e12c9027818dd04" },
  { name: "get-unreserved", method: "GET", target: "/-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz", signature: "07ef7494c76fa4850883e2b006601f940f8a34d404d0cfa977f52a65bbf5f24f" },
  {
    name: "get-header-value-trim",
    method: "GET",
    target: "/",
    headers: { "my-header1": " value1", "my-header2": '"a   b   c"' },
    signature: "acc3ed3afb60bb290fc8d2dd0098b9911fcaa05412b367055dee359757a9c736",
  },
  {
    name: "post-x-www-form-urlencoded",
    method: "POST",
    target: "/",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    payloadHash: sha256Hex("Param1=value1"),
    signature: "ff11897932ad3f4e8b18135d722051e5ac45fc38421b1da7b9d196a0fe09473a",
  },
];

function sign(vector: Vector): string {
  const headerValues: Record<string, string> = { host: "example.amazonaws.com", "x-amz-date": SUITE.amzDate, ...vector.headers };
  const signedHeaders = Object.keys(headerValues).sort();
  const question = vector.target.indexOf("?");
  const canonical = canonicalRequest({
    method: vector.method,
    rawPath: question < 0 ? vector.target : vector.target.slice(0, question),
    canonicalQuery: canonicalQuery(question < 0 ? "" : vector.target.slice(question + 1)) as string,
    signedHeaders,
    headerValues,
    payloadHash: vector.payloadHash ?? EMPTY_HASH,
  });
  return signatureBytes(SUITE.secret, SUITE.scope, stringToSign(SUITE.amzDate, SUITE.scope, canonical)).toString("hex");
}

describe("SigV4 canonical request (AWS test suite)", () => {
  it.each(VECTORS)("computes the published signature of $name", (vector) => {
    expect(sign(vector)).toBe(vector.signature);
  });

  it("builds get-vanilla-query-order-key-case's canonical request with the query sorted by name", () => {
    const canonical = canonicalRequest({
      method: "GET",
      rawPath: "/",
      canonicalQuery: canonicalQuery("Param2=value2&Param1=value1") as string,
      signedHeaders: ["host", "x-amz-date"],
      headerValues: { host: "example.amazonaws.com", "x-amz-date": SUITE.amzDate },
      payloadHash: EMPTY_HASH,
    });
    expect(canonical).toBe(["GET", "/", "Param1=value1&Param2=value2", "host:example.amazonaws.com", "x-amz-date:20150830T123600Z", "", "host;x-amz-date", EMPTY_HASH].join("\n"));
    expect(sha256Hex(canonical)).toBe("816cd5b414d056048ba4f7c5386d6e0533120fb1fcfa93762cf0fc39e2cf19e0");
  });
});

describe("SigV4 canonical pieces, S3 rules", () => {
  it("keeps the path exactly as sent: no second encoding and no normalisation", () => {
    const parts = { method: "GET", canonicalQuery: "", signedHeaders: ["host"], headerValues: { host: "h" }, payloadHash: "UNSIGNED-PAYLOAD" };
    for (const path of ["/b/a%2Fb", "/b//x/../y", "/b/a%20b", "/b/%E1%88%B4"]) {
      expect(canonicalRequest({ ...parts, rawPath: path }).split("\n")[1]).toBe(path);
    }
    expect(canonicalRequest({ ...parts, rawPath: "" }).split("\n")[1]).toBe("/");
  });

  it.each([
    ["q=a+b", "q=a%2Bb"],
    ["q=a%20b", "q=a%20b"],
    ["b&a=1", "a=1&b="],
    ["a=1=2", "a=1%3D2"],
    ["q=%7ea", "q=~a"],
    ["x=a.b&x=a%2fb", "x=a%2Fb&x=a.b"],
    ["delete", "delete="],
    ["", ""],
  ])("canonicalises the query %j as %j", (raw, canonical) => {
    expect(canonicalQuery(raw)).toBe(canonical);
  });

  it("leaves out the excluded parameters by decoded name", () => {
    expect(canonicalQuery("X-Amz-Signature=abc&a=1", new Set(["X-Amz-Signature"]))).toBe("a=1");
  });

  it("refuses a malformed percent escape instead of guessing", () => {
    expect(canonicalQuery("a=%zz")).toBeUndefined();
  });

  it("encodes every byte but the unreserved characters, upper-case hex", () => {
    expect(uriEncode("a b/c~é*")).toBe("a%20b%2Fc~%C3%A9%2A");
  });

  it("encodes as the per-character definition says, text with nothing to escape included", () => {
    const byDefinition = (text: string) =>
      [...text].map((c) => (/[A-Za-z0-9\-_.~]/.test(c) ? c : [...Buffer.from(c, "utf8")].map((b) => `%${b.toString(16).toUpperCase().padStart(2, "0")}`).join(""))).join("");
    const unreserved = fc.string({ unit: fc.constantFrom(..."AZaz09-_.~"), maxLength: 40 });
    fc.assert(
      fc.property(fc.oneof(unreserved, fc.string({ unit: "grapheme", maxLength: 20 }), fc.string({ unit: fc.constantFrom("a", "~", "/", "%", " ", "é", "+", "="), maxLength: 20 })), (text) => {
        expect(uriEncode(text)).toBe(byDefinition(text));
      }),
      { numRuns: 1000 },
    );
  });

  it("trims header values and collapses runs of spaces and tabs, as SDK v3's signer does", () => {
    expect(canonicalHeaderValue("  a   b  c ")).toBe("a b c");
    expect(canonicalHeaderValue("a\t\tb \t c")).toBe("a b c");
    expect(canonicalHeaderValue("\tvalue1\n  value2\r\n")).toBe("value1 value2");
    const token = "A".repeat(1000);
    expect(canonicalHeaderValue(token)).toBe(token);
  });

  it("reads like botocore's form wherever the two forms do not differ, and botocore's form splits on Python's whitespace", () => {
    fc.assert(
      fc.property(fc.stringMatching(/^[ \t\r\na-z\u00a0\u0085]{0,12}$/), (value) => {
        if (!FORMS_DIFFER.test(value)) expect(botocoreHeaderValue(value)).toBe(canonicalHeaderValue(value));
      }),
      { numRuns: 2000 },
    );
    expect(["\u00a0ab\u00a0", "a\u0085b", "a\t\u00a0 b", "\u000b\u000ca\u001fb", "", " \u4e2d\u00a0\u6587 "].map(botocoreHeaderValue)).toEqual(["ab", "a b", "a b", "a b", "", "\u4e2d \u6587"]);
  });

  it("is SDK v3's chain of replacements on any text", () => {
    const sdk = (value: string) => value.replace(/[\r\n]/g, " ").replace(/[ \t]+/g, " ").replace(/^ | $/g, "");
    fc.assert(fc.property(fc.stringMatching(/^[ \t\r\na-z\u00a0\u0085\u4e2d]{0,12}$/), (value) => expect(canonicalHeaderValue(value)).toBe(sdk(value))), { numRuns: 2000 });
  });
});
