import fc from "fast-check";
import { NOT_IMPLEMENTED_READS, notImplementedRead } from "../../../src/s3/not-implemented";
import { parseQuery } from "../../../src/s3/query";

const PARAMETERS = NOT_IMPLEMENTED_READS.map((r) => r.queryParameter);

describe("notImplementedRead (Envoy's 501 for GET ?acl, ?cors, ?lifecycle)", () => {
  it("serves exactly the ACL, CORS and lifecycle reads", () => {
    expect(PARAMETERS).toEqual(["acl", "cors", "lifecycle"]);
    expect(NOT_IMPLEMENTED_READS.map((r) => r.routeName)).toEqual(["acl_read_not_implemented", "cors_read_not_implemented", "lifecycle_read_not_implemented"]);
  });

  it("matches GET with one of them present, with or without a value, among other parameters", () => {
    for (const target of ["/b/k?acl", "/b?acl", "/b/k?acl=", "/b/k?versionId=v&acl", "/?acl"]) expect(notImplementedRead("GET", target)?.queryParameter).toBe("acl");
    for (const target of ["/b?cors", "/b?cors=", "/b/k?x=1&cors"]) expect(notImplementedRead("GET", target)?.queryParameter).toBe("cors");
    for (const target of ["/b?lifecycle", "/b?lifecycle=&x-id=GetBucketLifecycleConfiguration"]) expect(notImplementedRead("GET", target)?.queryParameter).toBe("lifecycle");
  });

  it("answers with the first route in Envoy's order when several are present", () => {
    expect(notImplementedRead("GET", "/b?lifecycle&acl")?.queryParameter).toBe("acl");
  });

  it("leaves every other method, look-alike and percent-encoded names to the authorizer", () => {
    for (const method of ["PUT", "HEAD", "POST", "DELETE", "get"]) for (const p of PARAMETERS) expect(notImplementedRead(method, `/b/k?${p}`)).toBeUndefined();
    for (const target of ["/b/k", "/b/acl", "/b/k?aclx", "/b/k?ACL", "/b/k?x-acl", "/b/k?a=acl", "/b/k%3Facl", "/b?%63ors", "/b?Cors", "/b?policy", "/b?lifecyclex"]) {
      expect(notImplementedRead("GET", target)).toBeUndefined();
    }
  });

  it("agrees with the query as Envoy's present_match reads it: a raw parameter name equal to one of them (property)", () => {
    const part = fc.oneof(fc.constantFrom("acl", "acl=", "cors=1", "lifecycle", "aclx", "ACL", "x=cors", "%61cl", "uploads", "versionId=v"), fc.stringMatching(/^[a-z=]{0,6}$/));
    fc.assert(
      fc.property(fc.array(part, { maxLength: 4 }), (parts) => {
        const query = parts.join("&");
        const names = query === "" ? [] : query.split("&").map((p) => p.split("=")[0]);
        expect(notImplementedRead("GET", `/b/k?${query}`) !== undefined).toBe(names.some((n) => PARAMETERS.includes(n as string)));
      }),
    );
  });

  it("answers S3's NotImplemented document with status 501", () => {
    for (const read of NOT_IMPLEMENTED_READS) {
      expect(read).toMatchObject({ method: "GET", status: 501, contentType: "application/xml" });
      expect(read.body).toMatch(/^<Error><Code>NotImplemented<\/Code><Message>[^<]+<\/Message><\/Error>$/);
      expect(parseQuery(read.queryParameter).has(read.queryParameter)).toBe(true);
    }
  });
});
