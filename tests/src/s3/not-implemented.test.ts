import fc from "fast-check";
import { ACL_READ_NOT_IMPLEMENTED, isAclRead } from "../../../src/s3/not-implemented";
import { parseQuery } from "../../../src/s3/query";

describe("isAclRead (Envoy's 501 for GET ?acl)", () => {
  it("matches GET with acl present, with or without a value, among other parameters", () => {
    for (const target of ["/b/k?acl", "/b?acl", "/b/k?acl=", "/b/k?versionId=v&acl", "/?acl"]) expect(isAclRead("GET", target)).toBe(true);
  });

  it("leaves every other method, and look-alike parameters, to the authorizer", () => {
    for (const method of ["PUT", "HEAD", "POST", "DELETE", "get"]) expect(isAclRead(method, "/b/k?acl")).toBe(false);
    for (const target of ["/b/k", "/b/acl", "/b/k?aclx", "/b/k?ACL", "/b/k?x-acl", "/b/k?a=acl", "/b/k%3Facl"]) expect(isAclRead("GET", target)).toBe(false);
  });

  it("agrees with the query as Envoy's present_match reads it: a parameter named exactly acl (property)", () => {
    const part = fc.oneof(fc.constantFrom("acl", "acl=", "acl=1", "aclx", "ACL", "x=acl", "uploads", "versionId=v"), fc.stringMatching(/^[a-z=]{0,6}$/));
    fc.assert(
      fc.property(fc.array(part, { maxLength: 4 }), (parts) => {
        const query = parts.join("&");
        const names = query === "" ? [] : query.split("&").map((p) => p.split("=")[0]);
        expect(isAclRead("GET", `/b/k?${query}`)).toBe(names.includes("acl"));
      }),
    );
  });

  it("answers S3's NotImplemented document with status 501", () => {
    expect(ACL_READ_NOT_IMPLEMENTED).toMatchObject({ status: 501, contentType: "application/xml" });
    expect(ACL_READ_NOT_IMPLEMENTED.body).toMatch(/^<Error><Code>NotImplemented<\/Code><Message>[^<]+<\/Message><\/Error>$/);
    expect(parseQuery("acl").has(ACL_READ_NOT_IMPLEMENTED.queryParameter)).toBe(true);
  });
});
