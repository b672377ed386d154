import { medianRow, replayableAnswerHeaders, requestHeaders, signedRequestHeaders } from "../../bench/authorizer";

describe("the headers wrk sends", () => {
  const signed = {
    host: "gateway.example.com",
    "x-amz-date": "20261130T120000Z",
    "x-amz-content-sha256": "UNSIGNED-PAYLOAD",
    "x-amz-security-token": "header.payload.signature",
    authorization: "AWS4-HMAC-SHA256 Credential=ASIAEXAMPLE/20261130/us-east-1/s3/aws4_request, SignedHeaders=host;x-amz-content-sha256;x-amz-date;x-amz-security-token, Signature=00",
  };

  it("spells the signed host Host, so wrk sends it instead of adding its own 127.0.0.1:<port>", () => {
    const headers = signedRequestHeaders(signed);
    expect(headers.Host).toBe("gateway.example.com");
    expect(Object.keys(headers).filter((name) => name.toLowerCase() === "host")).toEqual(["Host"]);
  });

  it("keeps every other signed header as signed and adds the bearer run's request id, unsigned", () => {
    const { Host, "x-request-id": requestId, ...rest } = signedRequestHeaders(signed);
    const { host, ...signedRest } = signed;
    expect(Host).toBe(host);
    expect(rest).toEqual(signedRest);
    expect(requestId).toBe(requestHeaders("t")["x-request-id"]);
  });

  it("leaves out a header without a value", () => {
    expect(signedRequestHeaders({ ...signed, range: undefined })).not.toHaveProperty("range");
  });
});

describe("the closed-loop rows", () => {
  it("computes each field's median over rows", () => {
    const rows = [5, 1, 3].map((n) => ({ rps: n * 1000, p50_us: n, p99_us: n * 10, cpu_us_per_request: n }));
    expect(medianRow(rows)).toEqual({ rps: 3000, p50_us: 3, p99_us: 30, cpu_us_per_request: 3 });
  });
});

describe("the answer the floor server replays", () => {
  it("keeps every header of the answer in order, and leaves those node:http adds to each answer to it, whatever their case", () => {
    const raw = ["authorization", "AWS4-HMAC-SHA256 Credential=x", "Date", "Mon, 30 Nov 2026 12:00:00 GMT", "x-amz-date", "20261130T120000Z", "Connection", "keep-alive", "Keep-Alive", "timeout=5", "content-length", "0"];
    expect(replayableAnswerHeaders(raw)).toEqual(["authorization", "AWS4-HMAC-SHA256 Credential=x", "x-amz-date", "20261130T120000Z", "content-length", "0"]);
  });
});
