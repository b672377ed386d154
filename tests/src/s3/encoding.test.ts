import fc from "fast-check";
import { S3ErrorSignal } from "../../../src/errors";
import { checkNoDotSegments, decodeOnce, encodeComponent, encodePath } from "../../../src/s3/encoding";
import { parseQuery } from "../../../src/s3/query";
import { parseCopySource } from "../../../src/s3/copy-source";
import { bucketNameProblem } from "../../../src/s3/bucket-name";

const codeOf = (fn: () => unknown) => {
  try {
    fn();
    return "none";
  } catch (error) {
    return (error as S3ErrorSignal).error.code;
  }
};

describe("percent-decoding", () => {
  it("decodes UTF-8 escapes once and keeps raw text", () => {
    expect(decodeOnce("caf%C3%A9/%2541", "k")).toBe("café/%41");
    expect(decodeOnce("plain/key+x", "k")).toBe("plain/key+x");
  });

  it.each(["%", "%4", "%zz", "%C3", "%ED%A0%80", "%C0%AF", "%00", "%7F", "%1b"])("refuses %s as InvalidURI", (raw) => {
    expect(codeOf(() => decodeOnce(raw, "k"))).toBe("InvalidURI");
  });

  it("encodes canonically: everything but unreserved characters (and / in paths)", () => {
    expect(encodeComponent("a b/c!'()*~-._é")).toBe("a%20b%2Fc%21%27%28%29%2A~-._%C3%A9");
    expect(encodePath("a b/c")).toBe("a%20b/c");
  });
});

describe("encoding and dot segments, against their plain definitions", () => {
  // Keys made of the characters that matter here (dots, slashes, unreserved and reserved ASCII,
  // non-ASCII) plus arbitrary text.
  const keys = fc.oneof(fc.string({ unit: fc.constantFrom(".", "/", "a", "-", "~", "_", " ", "!", "*", "'", "(", "%", "é", "€", "+", "="), maxLength: 12 }), fc.string({ unit: "grapheme", maxLength: 20 }));

  it("encodes exactly as encodeURIComponent plus RFC 3986's extra reserved characters", () => {
    const plain = (text: string) => encodeURIComponent(text).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
    fc.assert(
      fc.property(keys, (key) => {
        expect(encodeComponent(key)).toBe(plain(key));
        expect(encodePath(key)).toBe(plain(key).replace(/%2F/g, "/"));
      }),
      { numRuns: 2000 },
    );
  });

  it("refuses a key exactly when one of its '/'-separated segments is '.' or '..'", () => {
    const segment = fc.oneof(fc.constantFrom("", ".", "..", "...", ".a", "a.", "a..", "..a"), keys);
    const paths = fc.oneof(keys, fc.array(segment, { minLength: 1, maxLength: 5 }).map((segments) => segments.join("/")));
    fc.assert(
      fc.property(paths, (key) => {
        const bySegments = key.split("/").some((segment) => segment === "." || segment === "..");
        expect(codeOf(() => checkNoDotSegments(key, "k"))).toBe(bySegments ? "InvalidURI" : "none");
      }),
      { numRuns: 2000 },
    );
  });
});

describe("query parsing", () => {
  it("decodes names and values once and reads bare flags as empty", () => {
    expect([...parseQuery("uploads&prefix=a%2Fb&x-id=ListObjects")]).toEqual([["uploads", ""], ["prefix", "a/b"], ["x-id", "ListObjects"]]);
  });

  it("refuses a repeated parameter, even written differently", () => {
    expect(codeOf(() => parseQuery("prefix=a&pre%66ix=b"))).toBe("InvalidURI");
  });
});

describe("copy sources", () => {
  it("accepts both leading-slash forms and a versionId suffix", () => {
    expect(parseCopySource("/src/a%20b")).toEqual({ bucket: "src", key: "a b" });
    expect(parseCopySource("src/a?versionId=v%2B1")).toEqual({ bucket: "src", key: "a", versionId: "v+1" });
  });

  it.each([
    ["no key", "/src", "InvalidRequest"],
    ["another suffix", "src/a?acl", "InvalidRequest"],
    ["a dot-dot segment", "src/a/../b", "InvalidURI"],
    ["an invalid bucket", "SRC/a", "InvalidURI"],
    ["a bad escape", "src/a%zz", "InvalidURI"],
  ])("refuses %s", (_name, raw, code) => {
    expect(codeOf(() => parseCopySource(raw))).toBe(code);
  });
});

describe("bucket names", () => {
  it.each(["abc", "my.bucket-1", "a".repeat(63)])("accepts %s", (name) => expect(bucketNameProblem(name)).toBeUndefined());
  it.each(["ab", "a".repeat(64), "Abc", "a_b", "-ab", "ab-", "a..b", "10.0.0.1", "xn--abc", "abc-s3alias", "abc--ol-s3"])("refuses %s", (name) =>
    expect(bucketNameProblem(name)).toBeDefined(),
  );
});
