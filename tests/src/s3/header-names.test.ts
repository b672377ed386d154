import fc from "fast-check";
import { classify } from "../../../src/s3/classify";
import type { GatewayRequest } from "../../../src/s3/request";

const put = (path: string, headers: Record<string, string> = {}): GatewayRequest => ({ method: "PUT", path, headers: { host: "gw", ...headers } });
const refusal = (request: GatewayRequest) => {
  const result = classify(request);
  if (result.ok) throw new Error(`${request.method} ${request.path} was classified`);
  return result.error;
};
const SIGV4 = (signed: string) => `AWS4-HMAC-SHA256 Credential=AKID/20300101/eu-west-1/s3/aws4_request, SignedHeaders=${signed}, Signature=${"0".repeat(64)}`;

describe("header names the load balancer drops", () => {
  it("refuses user metadata named with '_', naming the header and the name to use instead", () => {
    const error = refusal(put("/data/a.csv", { "x-amz-meta-original_name": "report.csv" }));
    expect(error).toMatchObject({ code: "InvalidRequest", status: 400 });
    expect(error.message).toContain("user metadata name 'original_name' (header 'x-amz-meta-original_name')");
    expect(error.message).toContain("rename it 'x-amz-meta-original-name'");
  });

  it("refuses a signed header the load balancer removed on the way, though it did not arrive", () => {
    const authorization = SIGV4("host;x-amz-content-sha256;x-amz-date;x-amz-meta-original_name;x-amz-security-token");
    const error = refusal(put("/data/a.csv", { authorization }));
    expect(error.code).toBe("InvalidRequest");
    expect(error.message).toContain("'x-amz-meta-original_name'");
  });

  it("refuses such a name in a presigned URL's X-Amz-SignedHeaders too", () => {
    expect(refusal(put("/data/a.csv?X-Amz-SignedHeaders=host%3Bx-amz-meta-a_b&X-Amz-Signature=abc")).message).toContain("'x-amz-meta-a_b'");
  });

  it("accepts what the load balancer keeps: letters, digits and '-', in the headers and the signature", () => {
    const authorization = SIGV4("content-md5;host;x-amz-content-sha256;x-amz-date;x-amz-meta-original-name");
    expect(classify(put("/data/a.csv", { authorization, "x-amz-meta-original-name": "x", "x-amz-meta-2024": "y" })).ok).toBe(true);
  });

  it("leaves a name hoisted into a presigned URL's query alone: the load balancer does not touch the query", () => {
    expect(classify(put("/data/a.csv?x-amz-meta-original_name=x")).ok).toBe(true);
  });

  it("refuses exactly the names outside [-a-z0-9], whether sent or only signed (property)", () => {
    const nameArb = fc.stringMatching(/^x-amz-meta-[-a-z0-9_.~!]{1,8}$/);
    fc.assert(
      fc.property(nameArb, fc.boolean(), (name, signedOnly) => {
        const request = signedOnly ? put("/data/a", { authorization: SIGV4(`host;${name}`) }) : put("/data/a", { [name]: "v" });
        const result = classify(request);
        expect(result.ok).toBe(/^[-a-z0-9]+$/.test(name));
        if (!result.ok) expect(result.error).toMatchObject({ code: "InvalidRequest", message: expect.stringContaining(`'${name}'`) });
      }),
    );
  });
});
