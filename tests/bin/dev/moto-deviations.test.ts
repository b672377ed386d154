import { correctedHeaders, headersForMoto, RESPONSE_OVERRIDES } from "../../../bin/dev/moto-deviations";

describe("corrections of moto's deviations from S3", () => {
  it("sets each response-* override on a successful GetObject, decoded", () => {
    const target = `/b/k?${Object.keys(RESPONSE_OVERRIDES).map((name, i) => `${name}=${encodeURIComponent(`value ${i}; "x"`)}`).join("&")}`;
    const headers = correctedHeaders("GET", target, 200, { "content-type": "application/octet-stream", etag: '"e"' });
    expect(Object.values(RESPONSE_OVERRIDES).map((header) => headers[header])).toEqual(Object.keys(RESPONSE_OVERRIDES).map((_, i) => `value ${i}; "x"`));
    expect(headers.etag).toBe('"e"');
  });

  it("leaves errors, HEADs and unknown response-* names alone", () => {
    expect(correctedHeaders("GET", "/b/k?response-content-type=text/csv", 404, { "content-type": "application/xml" })["content-type"]).toBe("application/xml");
    expect(correctedHeaders("HEAD", "/b/k?response-content-type=text/csv", 200, {})["content-type"]).toBeUndefined();
    expect(correctedHeaders("GET", "/b/k?response-x-amz-meta-a=b", 200, {})).toEqual({});
  });

  it("sends an ISO 8601 Last-Modified as an HTTP date, and leaves an HTTP date as it is", () => {
    expect(correctedHeaders("GET", "/b/k?attributes", 200, { "last-modified": "2026-11-30T15:20:04.000Z" })["last-modified"]).toBe("Mon, 30 Nov 2026 15:20:04 GMT");
    expect(correctedHeaders("GET", "/b/k", 200, { "last-modified": "Mon, 30 Nov 2026 15:20:04 GMT" })["last-modified"]).toBe("Mon, 30 Nov 2026 15:20:04 GMT");
  });

  it("hands moto the object attributes list without the spaces it cannot read", () => {
    expect(headersForMoto({ "x-amz-object-attributes": "ETag, ObjectSize ,StorageClass" })["x-amz-object-attributes"]).toBe("ETag,ObjectSize,StorageClass");
    const untouched = { host: "h" };
    expect(headersForMoto(untouched)).toBe(untouched);
  });
});
