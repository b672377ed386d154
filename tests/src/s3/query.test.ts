import fc from "fast-check";
import { S3ErrorSignal } from "../../../src/errors";
import { parseQuery } from "../../../src/s3/query";

const error = (raw: string) => {
  try {
    parseQuery(raw);
  } catch (e) {
    if (e instanceof S3ErrorSignal) return e.error;
    throw e;
  }
  throw new Error(`${raw} was parsed`);
};

describe("parseQuery", () => {
  it("decodes values once and keeps a bare name as an empty value", () => {
    expect([...parseQuery("delete&prefix=a%20b%2Bc&uploadId=u%2B1")]).toEqual([
      ["delete", ""],
      ["prefix", "a b+c"],
      ["uploadId", "u+1"],
    ]);
  });

  it("refuses a percent-encoded name with 400 InvalidURI, saying how to spell it (S3 decodes it, Envoy's routes do not)", () => {
    expect(error("%64elete")).toMatchObject({ code: "InvalidURI", status: 400, message: "query parameter name '%64elete' is percent-encoded; send it as 'delete'" });
    expect(error("X%2DAmz%2DSecurity%2DToken=t").message).toContain("send it as 'X-Amz-Security-Token'");
    expect(error("%61cl").code).toBe("InvalidURI");
  });

  it("refuses an invalid escape in a name, and a repeated name", () => {
    expect(error("%zz=1").code).toBe("InvalidURI");
    expect(error("prefix=a&prefix=b").message).toContain("more than once");
  });

  it("accepts a name exactly when it has no percent-escape (property)", () => {
    fc.assert(
      fc.property(fc.stringMatching(/^[-a-zA-Z0-9_.~%]{1,8}$/), (name) => {
        let ok = true;
        try {
          parseQuery(`${name}=v`);
        } catch (e) {
          if (!(e instanceof S3ErrorSignal)) throw e;
          ok = false;
        }
        expect(ok).toBe(!name.includes("%"));
      }),
    );
  });
});
