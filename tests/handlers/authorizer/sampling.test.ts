import fc from "fast-check";
import { isSampled, REDACTED, sampledInput, samplingEnabled } from "../../../handlers/authorizer/sampling";
import { jwksText, keyPair, MemorySource, mint, startHarness } from "./support";

describe("isSampled", () => {
  it("samples every check of the named subject and no other when the ratio is 0", () => {
    const sampling = { ratio: 0, subject: "alice" };
    expect(isSampled(sampling, "alice", () => 0.99)).toBe(true);
    expect(isSampled(sampling, "bob", () => 0)).toBe(false);
    expect(isSampled(sampling, undefined, () => 0)).toBe(false);
  });

  it("samples a check when the draw falls under the ratio", () => {
    expect(isSampled({ ratio: 0.25 }, "bob", () => 0.2)).toBe(true);
    expect(isSampled({ ratio: 0.25 }, "bob", () => 0.25)).toBe(false);
    expect(isSampled({ ratio: 1 }, undefined, () => 0.999)).toBe(true);
  });

  it("is off by default", () => {
    expect(samplingEnabled({ ratio: 0 })).toBe(false);
    expect(samplingEnabled({ ratio: 0.001 })).toBe(true);
    expect(samplingEnabled({ ratio: 0, subject: "a" })).toBe(true);
  });
});

describe("sampledInput", () => {
  it("keeps the method, the path, query names and allowed header values; redacts the rest", () => {
    const input = sampledInput({
      method: "GET",
      path: "/data/a%20b?versionId=3&X-Amz-Security-Token=eyJ.secret.sig&X-Amz-Signature=abcd&list-type",
      headers: {
        host: "data.s3.example.com",
        authorization: "AWS4-HMAC-SHA256 Credential=AKIA/20300101/eu-west-1/s3/aws4_request, Signature=ffff",
        "x-amz-security-token": "eyJ.secret.sig",
        "x-amz-server-side-encryption-customer-key": "c2VjcmV0LWtleQ==",
        "x-amz-date": "20300101T000000Z",
        range: "bytes=0-9",
      },
      body: "<Delete/>",
    });
    expect(input).toEqual({
      method: "GET",
      path: "/data/a%20b",
      query: ["versionId", "X-Amz-Security-Token", "X-Amz-Signature", "list-type"],
      headers: {
        host: "data.s3.example.com",
        authorization: REDACTED,
        "x-amz-security-token": REDACTED,
        "x-amz-server-side-encryption-customer-key": REDACTED,
        "x-amz-date": "20300101T000000Z",
        range: "bytes=0-9",
      },
      body_bytes: 9,
    });
  });

  it("never shows a token, wherever the request carries it (property)", () => {
    const tokenChars = fc.string({ unit: fc.constantFrom(..."ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_."), minLength: 24, maxLength: 80 });
    const headerName = fc.string({ unit: fc.constantFrom(..."abcdefghijklmnopqrstuvwxyz-"), minLength: 1, maxLength: 20 });
    fc.assert(
      fc.property(tokenChars, fc.dictionary(headerName, fc.string({ maxLength: 20 })), fc.constantFrom("header", "bearer", "query", "custom"), (token, others, place) => {
        const headers: Record<string, string> = { ...others };
        for (const name of Object.keys(headers)) if (headers[name]!.includes(token)) delete headers[name];
        let path = "/bucket/key";
        if (place === "header") headers["x-amz-security-token"] = token;
        if (place === "bearer") headers.authorization = `Bearer ${token}`;
        if (place === "query") path += `?X-Amz-Security-Token=${encodeURIComponent(token)}&x-id=GetObject`;
        if (place === "custom") headers["x-my-secret"] = token;
        expect(JSON.stringify(sampledInput({ method: "GET", path, headers }))).not.toContain(token);
      }),
    );
  });
});

describe("sampled decision lines", () => {
  it("carry the redacted input for the sampled subject only, and no token bytes", async () => {
    const pair = await keyPair();
    const alice = await mint(pair, ["read:data/"], { subject: "alice" });
    const bob = await mint(pair, ["read:data/"], { subject: "bob" });
    const harness = await startHarness({
      keySource: new MemorySource(jwksText(pair.publicKey)),
      runtimeSettings: { source: new MemorySource('{"logLevel":"info","decisionSampling":{"subject":"alice"}}') },
    });
    try {
      expect((await harness.check({ path: "/data/a?versionId=1", headers: { "x-amz-security-token": alice } })).status).toBe(200);
      expect((await harness.check({ path: `/data/b?X-Amz-Security-Token=${alice}`, headers: {} })).status).toBe(200);
      expect((await harness.check({ path: "/data/a", headers: { authorization: `Bearer ${bob}` } })).status).toBe(200);
      const decisions = harness.logs.filter((l) => l.event === "decision");
      expect(decisions.map((d) => [d.sub, d.sampled ?? false])).toEqual([["alice", true], ["alice", true], ["bob", false]]);
      expect(decisions[0]!.input).toMatchObject({ method: "GET", path: "/data/a", query: ["versionId"], headers: { "x-amz-security-token": REDACTED } });
      expect(decisions[1]!.input).toMatchObject({ path: "/data/b", query: ["X-Amz-Security-Token"] });
      const raw = harness.rawLogs();
      for (const token of [alice, bob]) {
        expect(raw).not.toContain(token);
        for (const segment of token.split(".")) expect(raw).not.toContain(segment);
      }
    } finally {
      await harness.close();
    }
  });
});
