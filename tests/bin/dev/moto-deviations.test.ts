import fc from "fast-check";
import { contentTypeForMoto, contentTypeFromMoto, correctedHeaders, FORM_CARRIER_MEDIA_TYPE, FORM_MEDIA_TYPES, headersForMoto, RESPONSE_OVERRIDES } from "../../../bin/dev/moto-deviations";

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

describe("form Content-Types carried past moto's form parser", () => {
  /** The media type as moto's HTTP layer reads it (werkzeug's parse_options_header, lowercased). */
  const werkzeugMediaType = (value: string) => value.split(";")[0]!.trim().toLowerCase();

  it.each(["application/x-www-form-urlencoded", "application/x-www-form-urlencoded; charset=utf-8", "multipart/form-data; boundary=x", " Multipart/Form-Data ;boundary=\"a b\""])(
    "hands moto %j inside the carrier and gives it back unchanged",
    (contentType) => {
      const toMoto = headersForMoto({ "content-type": contentType, host: "h" });
      expect(werkzeugMediaType(toMoto["content-type"] as string)).toBe(FORM_CARRIER_MEDIA_TYPE);
      expect(toMoto.host).toBe("h");
      expect(correctedHeaders("GET", "/b/k", 200, { "content-type": toMoto["content-type"] })["content-type"]).toBe(contentType);
    },
  );

  it("leaves other Content-Types, and requests without one, as they are", () => {
    const plain = { "content-type": "text/plain; charset=utf-8" };
    expect(headersForMoto(plain)).toBe(plain);
    expect(headersForMoto({ host: "h" })["content-type"]).toBeUndefined();
    expect(contentTypeForMoto("application/x-www-form-urlencodedx")).toBe("application/x-www-form-urlencodedx");
    expect(correctedHeaders("GET", "/b/k", 200, { "content-type": "application/xml" })["content-type"]).toBe("application/xml");
  });

  it("trims the object attributes list and carries a form Content-Type in the same request", () => {
    const toMoto = headersForMoto({ "x-amz-object-attributes": "ETag, ObjectSize", "content-type": "multipart/form-data" });
    expect([toMoto["x-amz-object-attributes"], werkzeugMediaType(toMoto["content-type"] as string)]).toEqual(["ETag,ObjectSize", FORM_CARRIER_MEDIA_TYPE]);
  });

  it("leaves a carrier whose original is not percent-encoding as moto sent it", () => {
    const broken = `${FORM_CARRIER_MEDIA_TYPE}; original=%E0%A4%A`;
    expect(contentTypeFromMoto(broken)).toBe(broken);
  });

  it("never lets moto see a form media type, and gives every Content-Type back as sent (property)", () => {
    const pieces = fc.constantFrom(...FORM_MEDIA_TYPES, FORM_CARRIER_MEDIA_TYPE, "text/plain", "application/octet-stream", ";", " ", "\t", "=", '"', "%", "%2", "original=", "charset=utf-8", "Form", "é");
    const contentTypes = fc.oneof(fc.string(), fc.array(pieces, { maxLength: 6 }).map((parts) => parts.join("")));
    fc.assert(
      fc.property(contentTypes, (contentType) => {
        const toMoto = contentTypeForMoto(contentType);
        expect(FORM_MEDIA_TYPES).not.toContain(werkzeugMediaType(toMoto));
        expect(contentTypeFromMoto(toMoto)).toBe(contentType);
      }),
      { numRuns: 2000 },
    );
  });
});
