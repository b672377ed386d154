import { createHash } from "node:crypto";
import fc from "fast-check";
import { UsageError } from "../../bin/command";
import { verifySigV4 } from "../../bin/dev/sigv4-verify";
import { functionUrlRegion, IssuerError, issuerRegion, issuerUrl, readIssuerAnswer, signIssuerRequest, type SignedIssuerRequest } from "../../bin/issuer-client";

const FUNCTION_URL = "https://abcdefghijklmnopqrstuvwxyz012345.lambda-url.eu-central-1.on.aws/";
const CALLER = { accessKeyId: "ASIACALLER0000000001", secretAccessKey: "caller-secret", sessionToken: "caller-session-token" };
const NOW = new Date("2026-05-01T10:00:00Z");

/** What a Function URL checks: the request as received, the body's own hash, service lambda. */
function verifyAsFunctionUrl(signed: SignedIssuerRequest, region: string, credentials: { accessKeyId: string; secretAccessKey: string; sessionToken?: string } = CALLER, body = signed.body) {
  const payloadHash = createHash("sha256").update(body).digest("hex");
  return verifySigV4({ method: signed.method, target: signed.url.pathname, headers: signed.headers }, credentials, region, NOW, { service: "lambda", payloadHash });
}

describe("the issuer URL and the region to sign for", () => {
  it("reads the region from a Function URL host", () => {
    expect(functionUrlRegion("abc123.lambda-url.eu-central-1.on.aws")).toBe("eu-central-1");
    expect(functionUrlRegion("ABC123.LAMBDA-URL.US-EAST-1.ON.AWS")).toBe("us-east-1");
    expect(functionUrlRegion("abc123.lambda-url.nowhere-1.on.aws")).toBeUndefined();
    expect(functionUrlRegion("issuer.example.com")).toBeUndefined();
    expect(functionUrlRegion("abc123.lambda-url.eu-central-1.on.aws.evil.example")).toBeUndefined();
  });

  it("accepts https anywhere and plain http only to loopback, since the answer holds a secret", () => {
    expect(issuerUrl(FUNCTION_URL).hostname).toContain("lambda-url");
    expect(issuerUrl("http://127.0.0.1:8080/").port).toBe("8080");
    expect(() => issuerUrl("http://issuer.example.com/")).toThrow(/not https/);
    expect(() => issuerUrl("ftp://127.0.0.1/")).toThrow(UsageError);
    expect(() => issuerUrl("not a url")).toThrow(/not a URL/);
    expect(() => issuerUrl(`${FUNCTION_URL}?x=1`)).toThrow(/query/);
    expect(() => issuerUrl("https://user:pw@issuer.example.com/")).toThrow(/user/);
  });

  it("signs for --region, else the Function URL's region, else the SDK's region", async () => {
    const chain = jest.fn(async () => "ap-southeast-2");
    expect(await issuerRegion(new URL(FUNCTION_URL), undefined, chain)).toBe("eu-central-1");
    expect(chain).not.toHaveBeenCalled();
    expect(await issuerRegion(new URL(FUNCTION_URL), "eu-central-1", chain)).toBe("eu-central-1");
    expect(await issuerRegion(new URL("http://127.0.0.1:9000/"), "eu-west-1", chain)).toBe("eu-west-1");
    expect(await issuerRegion(new URL("https://issuer.example.com/"), undefined, chain)).toBe("ap-southeast-2");
  });

  it("refuses a --region that contradicts the Function URL, or that is no region", async () => {
    await expect(issuerRegion(new URL(FUNCTION_URL), "us-east-1", async () => undefined)).rejects.toThrow("--region us-east-1 contradicts the Function URL, which is in eu-central-1");
    await expect(issuerRegion(new URL(FUNCTION_URL), "moon-1", async () => undefined)).rejects.toThrow(/not an AWS region/);
  });

  it("names --region when a URL that is no Function URL comes with no region anywhere", async () => {
    const none = issuerRegion(new URL("https://issuer.example.com/"), undefined, async () => {
      throw new Error("Region is missing");
    });
    await expect(none).rejects.toThrow(UsageError);
    await expect(issuerRegion(new URL("https://issuer.example.com/"), undefined, async () => undefined)).rejects.toThrow(/issuer\.example\.com is not a Function URL .* pass --region/);
  });
});

describe("the signed request to the issuer", () => {
  it("is a JSON POST that a Function URL's SigV4 check (service lambda) accepts", async () => {
    const signed = await signIssuerRequest({ url: new URL(FUNCTION_URL), region: "eu-central-1", credentials: CALLER, request: { grants: ["read:data/a/"], ttlSeconds: 900 }, now: NOW });
    expect(signed.method).toBe("POST");
    expect(JSON.parse(signed.body)).toEqual({ grants: ["read:data/a/"], ttlSeconds: 900 });
    expect(signed.headers["content-type"]).toBe("application/json");
    expect(signed.headers.authorization).toContain("/eu-central-1/lambda/aws4_request");
    const verdict = verifyAsFunctionUrl(signed, "eu-central-1");
    expect(verdict).toMatchObject({ ok: true });
    expect(verdict.ok && verdict.signedHeaders).toEqual(expect.arrayContaining(["host", "content-type", "x-amz-date", "x-amz-security-token"]));
  });

  it("leaves ttlSeconds out when none is asked for, so the issuer picks", async () => {
    const signed = await signIssuerRequest({ url: new URL(FUNCTION_URL), region: "eu-central-1", credentials: CALLER, request: { grants: ["read:data/a/"] }, now: NOW });
    expect(JSON.parse(signed.body)).toEqual({ grants: ["read:data/a/"] });
  });

  it("signs the port of a local issuer into the host header", async () => {
    const signed = await signIssuerRequest({ url: new URL("http://127.0.0.1:4567/"), region: "eu-west-1", credentials: CALLER, request: { grants: ["read:data/a/"] }, now: NOW });
    expect(signed.headers.host).toBe("127.0.0.1:4567");
    expect(verifyAsFunctionUrl(signed, "eu-west-1")).toMatchObject({ ok: true });
  });

  it("is refused for another region, another service's scope, another secret or a changed body", async () => {
    const signed = await signIssuerRequest({ url: new URL(FUNCTION_URL), region: "eu-central-1", credentials: CALLER, request: { grants: ["read:data/a/"] }, now: NOW });
    expect(verifyAsFunctionUrl(signed, "eu-west-1")).toMatchObject({ ok: false, code: "SignatureDoesNotMatch" });
    expect(verifyAsFunctionUrl(signed, "eu-central-1", { ...CALLER, secretAccessKey: "other" })).toMatchObject({ ok: false, code: "SignatureDoesNotMatch" });
    expect(verifyAsFunctionUrl(signed, "eu-central-1", CALLER, signed.body.replace("read:", "write:"))).toMatchObject({ ok: false, code: "SignatureDoesNotMatch" });
    const payloadHash = createHash("sha256").update(signed.body).digest("hex");
    const asS3 = verifySigV4({ method: "POST", target: "/", headers: signed.headers }, CALLER, "eu-central-1", NOW, { service: "s3", payloadHash });
    expect(asS3).toMatchObject({ ok: false, code: "SignatureDoesNotMatch" });
  });

  it("verifies for any grants and lifetime, and never once the body changes (property)", async () => {
    const grant = fc.tuple(fc.constantFrom("read", "list", "write", "*"), fc.stringMatching(/^[a-z0-9]{3,12}$/), fc.stringMatching(/^[a-zA-Z0-9/_.-]{0,20}$/)).map(([a, b, p]) => `${a}:${b}/${p}`);
    await fc.assert(
      fc.asyncProperty(fc.array(grant, { minLength: 1, maxLength: 4 }), fc.option(fc.integer({ min: 1, max: 43200 }), { nil: undefined }), fc.nat(), async (grants, ttlSeconds, flip) => {
        const request = ttlSeconds === undefined ? { grants } : { grants, ttlSeconds };
        const signed = await signIssuerRequest({ url: new URL(FUNCTION_URL), region: "eu-central-1", credentials: CALLER, request, now: NOW });
        expect(verifyAsFunctionUrl(signed, "eu-central-1")).toMatchObject({ ok: true });
        const bytes = Buffer.from(signed.body);
        const at = flip % bytes.length;
        bytes[at] = bytes[at]! ^ 0x01;
        expect(verifyAsFunctionUrl(signed, "eu-central-1", CALLER, bytes.toString("latin1"))).toMatchObject({ ok: false });
      }),
      { numRuns: 60 },
    );
  });
});

describe("the issuer's answer", () => {
  const url = new URL(FUNCTION_URL);
  const issued = {
    credentials: { AccessKeyId: "ASIAISSUED0000000001", SecretAccessKey: "s", SessionToken: "eyJ.token.sig", Expiration: "2026-05-01T11:00:00.000Z" },
    grants: ["read:data/a/"],
    jti: "j-1",
    expiresAt: "2026-05-01T11:00:00.000Z",
  };

  it("returns the credentials of a 200", () => {
    expect(readIssuerAnswer({ status: 200, body: JSON.stringify(issued) }, url)).toEqual(issued);
  });

  it("refuses a 200 without credentials, naming the URL", () => {
    expect(() => readIssuerAnswer({ status: 200, body: "<html>hello</html>" }, url)).toThrow(/is --url .*lambda-url.* the issuer/);
  });

  it("carries the issuer's code and message in a refusal", () => {
    const body = JSON.stringify({ error: { code: "AccessDenied", message: "grant write:data/x/ is not covered by any rule for arn:aws:sts::111111111111:assumed-role/R/alice" } });
    let thrown: unknown;
    try {
      readIssuerAnswer({ status: 403, body }, url);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(IssuerError);
    expect(thrown).toMatchObject({ status: 403, code: "AccessDenied" });
    expect((thrown as Error).message).toBe("the issuer refused (403 AccessDenied): grant write:data/x/ is not covered by any rule for arn:aws:sts::111111111111:assumed-role/R/alice");
  });

  it("explains Lambda's own 403, which comes before the issuer runs", () => {
    expect(() => readIssuerAnswer({ status: 403, body: '{"Message":"Forbidden"}' }, url)).toThrow(/Function URL refused the request \(403 Forbidden\).*lambda:InvokeFunctionUrl/);
  });

  it("shows the start of any other answer", () => {
    expect(() => readIssuerAnswer({ status: 502, body: "x".repeat(500) }, url)).toThrow(new RegExp(`answered 502: x{200}\\.\\.\\.$`));
  });
});
