import fc from "fast-check";
import { parseQuery } from "../../../src/s3/query";
import { extractToken, presignedUrlProblem } from "../../../src/token/extract";

const now = new Date("2030-01-01T00:00:00Z");
const epoch = (d: Date) => String(Math.floor(d.getTime() / 1000));

describe("extractToken", () => {
  it("finds the token in a SigV2 presigned URL's lower-case x-amz-security-token", () => {
    expect(extractToken({}, parseQuery("AWSAccessKeyId=A&Signature=s&Expires=1&x-amz-security-token=a.b.c"))).toEqual({ ok: true, token: "a.b.c", place: "query" });
  });

  it("refuses the token under both the SigV4 and the SigV2 query names, even when equal", () => {
    const result = extractToken({}, parseQuery("AWSAccessKeyId=A&Signature=s&Expires=1&X-Amz-Security-Token=a.b.c&x-amz-security-token=a.b.c"));
    expect(result).toMatchObject({ ok: false, reason: "multiple-tokens", error: { code: "InvalidToken" } });
  });

  it("reads the lower-case query name as a token only in a SigV2 URL, so Expires always bounds it", () => {
    for (const query of ["x-amz-security-token=a.b.c", "Signature=s&Expires=1&x-amz-security-token=a.b.c", "AWSAccessKeyId=A&Expires=1&x-amz-security-token=a.b.c"]) {
      expect(extractToken({}, parseQuery(query))).toMatchObject({ ok: false, reason: "no-token" });
    }
  });
});

describe("extractToken against its rule", () => {
  it("takes the token from exactly one place, refuses none or several naming each place in order, whatever the combination", () => {
    const token = fc.stringMatching(/^[A-Za-z0-9_-]{1,8}\.[A-Za-z0-9_-]{1,8}\.[A-Za-z0-9_-]{1,8}$/);
    fc.assert(
      fc.property(fc.option(token), fc.option(token), fc.option(token), fc.option(token), fc.boolean(), (header, sigv4, sigv2, bearer, sigv2Url) => {
        const query = [
          ...(sigv2Url ? ["AWSAccessKeyId=A", "Signature=s", "Expires=1"] : []),
          ...(sigv4 === null ? [] : [`X-Amz-Security-Token=${sigv4}`]),
          ...(sigv2 === null ? [] : [`x-amz-security-token=${sigv2}`]),
        ].join("&");
        const headers = { ...(header === null ? {} : { "x-amz-security-token": ` ${header} ` }), ...(bearer === null ? {} : { authorization: `Bearer ${bearer}` }) };
        const found: [string, string][] = [
          ...(header === null ? [] : [[header, "x-amz-security-token"] as [string, string]]),
          ...(sigv4 === null ? [] : [[sigv4, "query"] as [string, string]]),
          ...(sigv2 === null || !sigv2Url ? [] : [[sigv2, "query"] as [string, string]]),
          ...(bearer === null ? [] : [[bearer, "bearer"] as [string, string]]),
        ];
        const result = extractToken(headers, parseQuery(query));
        if (found.length === 0) expect(result).toMatchObject({ ok: false, reason: "no-token", error: { code: "AccessDenied" } });
        else if (found.length > 1) {
          expect(result).toMatchObject({ ok: false, reason: "multiple-tokens", error: { code: "InvalidToken" } });
          expect(result.ok || result.error.message).toContain(`(${found.map(([, place]) => place).join(", ")})`);
        } else expect(result).toEqual({ ok: true, token: found[0]?.[0], place: found[0]?.[1] });
      }),
      { numRuns: 1000 },
    );
  });
});

describe("presignedUrlProblem for SigV2's Expires", () => {
  it("accepts an Expires in the future and at the second itself", () => {
    expect(presignedUrlProblem(parseQuery(`Expires=${epoch(now)}`), now)).toBeUndefined();
    expect(presignedUrlProblem(parseQuery(`Expires=${Number(epoch(now)) + 60}`), now)).toBeUndefined();
  });

  it("refuses an expired or malformed Expires with AccessDenied", () => {
    expect(presignedUrlProblem(parseQuery(`Expires=${Number(epoch(now)) - 1}`), now)).toMatchObject({ code: "AccessDenied", message: expect.stringContaining("expired") });
    for (const bad of ["", "-1", "1e9", "0x10", "123456789012", " 1"]) expect(presignedUrlProblem(new Map([["Expires", bad]]), now)?.code).toBe("AccessDenied");
  });

  it("honours both expiries when a URL carries SigV2 and SigV4 parameters", () => {
    const future = Number(epoch(now)) + 600;
    expect(presignedUrlProblem(parseQuery(`Expires=${future}&X-Amz-Date=20291231T000000Z&X-Amz-Expires=60`), now)?.message).toContain("X-Amz-Expires");
  });

  it("allows exactly the URLs whose Expires is not before now (property)", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 4_000_000_000 }), (seconds) => {
        expect(presignedUrlProblem(new Map([["Expires", String(seconds)]]), now) === undefined).toBe(seconds * 1000 >= now.getTime());
      }),
    );
  });
});
