import { Hash } from "@smithy/hash-node";
import { SignatureV4 } from "@smithy/signature-v4";
import fc from "fast-check";
import { verifySigV4 } from "../../../bin/dev/sigv4-verify";
import { classifyRequest, type ClassifiedRequest } from "../../../src/s3/classify";
import type { GatewayRequest } from "../../../src/s3/request";
import { signUpstream, type Credentials } from "../../../src/upstream/sign";

/**
 * The synchronous upstream signer against the AWS SDK's own (`@smithy/signature-v4`, as the
 * authorizer signed before): the same request, credentials and time must give the same
 * `Authorization` and `x-amz-date`, byte for byte.
 */
const ENDPOINT = { host: "s3.eu-west-1.amazonaws.com", region: "eu-west-1" };

/** What the SDK signs for the upstream request: the headers signUpstream covers, the judged path and query. */
async function sdkSignature(request: GatewayRequest, classified: ClassifiedRequest, credentials: Credentials, now: Date): Promise<{ authorization: string; date: string }> {
  const headers: Record<string, string> = { host: ENDPOINT.host };
  for (const [name, value] of Object.entries(request.headers)) {
    if (value === undefined || ["authorization", "x-amz-date", "x-amz-security-token"].includes(name) || classified.removedHeaders.includes(name)) continue;
    if (name.startsWith("x-amz-") || ["content-md5", "content-type", "content-encoding"].includes(name)) headers[name] = value;
  }
  headers["x-amz-content-sha256"] = classified.payloadHash;
  if (classified.upstreamCopySource !== undefined) headers["x-amz-copy-source"] = classified.upstreamCopySource;
  const question = classified.upstreamPath.indexOf("?");
  const signer = new SignatureV4({ service: "s3", region: ENDPOINT.region, credentials, sha256: Hash.bind(null, "sha256"), uriEscapePath: false, applyChecksum: false });
  const signed = await signer.sign(
    { method: request.method, protocol: "https:", hostname: ENDPOINT.host, path: question < 0 ? classified.upstreamPath : classified.upstreamPath.slice(0, question), query: Object.fromEntries(classified.upstreamQuery), headers },
    { signingDate: now },
  );
  return { authorization: signed.headers.authorization as string, date: signed.headers["x-amz-date"] as string };
}

const keyText = fc.stringMatching(/^[a-zA-Z0-9 +%&=!'()*~._\-\u00e9\u4e2d/]{1,24}$/);
const headerValue = fc.stringMatching(/^[ \ta-zA-Z0-9=+/;,._-]{0,20}$/);
const metaName = fc.stringMatching(/^[a-z][a-z0-9-]{0,8}$/);

const requests: fc.Arbitrary<GatewayRequest> = fc
  .record({
    shape: fc.constantFrom("get", "put", "head", "list", "copy", "delete-objects"),
    key: keyText,
    meta: fc.dictionary(metaName, headerValue, { maxKeys: 3 }),
    contentType: fc.option(headerValue, { nil: undefined }),
    prefix: keyText,
    versionId: fc.option(fc.stringMatching(/^[A-Za-z0-9+/=._-]{1,12}$/), { nil: undefined }),
  })
  .map(({ shape, key, meta, contentType, prefix, versionId }) => {
    const encodedKey = key.split("/").map(encodeURIComponent).join("/");
    const headers: Record<string, string> = { host: "gateway.example.com", "x-amz-security-token": "client.jwt.here", "x-amz-date": "20200101T000000Z" };
    for (const [name, value] of Object.entries(meta)) headers[`x-amz-meta-${name}`] = value;
    if (contentType !== undefined) headers["content-type"] = contentType;
    switch (shape) {
      case "get":
        return { method: "GET", path: `/data/${encodedKey}${versionId === undefined ? "" : `?versionId=${encodeURIComponent(versionId)}`}`, headers };
      case "put":
        return { method: "PUT", path: `/data/${encodedKey}`, headers: { ...headers, "x-amz-content-sha256": "UNSIGNED-PAYLOAD" } };
      case "head":
        return { method: "HEAD", path: `/data/${encodedKey}`, headers };
      case "list":
        return { method: "GET", path: `/data?list-type=2&prefix=${encodeURIComponent(prefix)}&delimiter=%2F`, headers };
      case "copy":
        return { method: "PUT", path: `/data/in/${encodedKey}`, headers: { ...headers, "x-amz-copy-source": `/data/${encodedKey}${versionId === undefined ? "" : `?versionId=${encodeURIComponent(versionId)}`}` } };
      default:
        return { method: "POST", path: "/data?delete", headers: { ...headers, "content-md5": "1B2M2Y8AsgTpgAmY7PhCfg==" }, body: Buffer.from(`<Delete><Object><Key>${key.replace(/&/g, "&amp;")}</Key></Object></Delete>`) };
    }
  });

/** The classification of a generated request, or a skipped run for one the gateway refuses (dot segments and the like). */
function classified(request: GatewayRequest): ClassifiedRequest {
  try {
    return classifyRequest(request);
  } catch {
    fc.pre(false);
    throw new Error("unreachable");
  }
}

const credentialsArb: fc.Arbitrary<Credentials> = fc.record(
  {
    accessKeyId: fc.stringMatching(/^ASIA[A-Z2-7]{16}$/),
    secretAccessKey: fc.stringMatching(/^[A-Za-z0-9+/]{40}$/),
    sessionToken: fc.stringMatching(/^[A-Za-z0-9+/=]{20,400}$/),
  },
  { requiredKeys: ["accessKeyId", "secretAccessKey"] },
);
const times = fc.date({ min: new Date("2020-01-01T00:00:00Z"), max: new Date("2040-01-01T00:00:00Z"), noInvalidDate: true });

describe("the upstream signer against the AWS SDK's signer", () => {
  it("gives the SDK's Authorization and x-amz-date for random judged requests, credentials and times", async () => {
    await fc.assert(
      fc.asyncProperty(requests, credentialsArb, times, async (request, credentials, now) => {
        const judged = classified(request);
        const ours = signUpstream({ request, classified: judged, credentials, endpoint: ENDPOINT, now });
        const sdk = await sdkSignature(request, judged, credentials, now);
        expect({ authorization: ours.setHeaders.authorization, date: ours.setHeaders["x-amz-date"] }).toEqual(sdk);
      }),
      { numRuns: 300 },
    );
  });

  it("signs what an independent verifier accepts, applied the way Envoy applies it", () => {
    fc.assert(
      fc.property(requests, credentialsArb, times, (request, credentials, now) => {
        const { setHeaders, removeHeaders } = signUpstream({ request, classified: classified(request), credentials, endpoint: ENDPOINT, now });
        const headers: Record<string, string> = {};
        for (const [name, value] of Object.entries(request.headers)) if (value !== undefined && !removeHeaders.includes(name)) headers[name] = value;
        Object.assign(headers, setHeaders, { host: ENDPOINT.host });
        const target = headers["x-rajee-upstream-path"] ?? request.path;
        delete headers["x-rajee-upstream-path"];
        expect(verifySigV4({ method: request.method, target, headers }, credentials, ENDPOINT.region, now)).toMatchObject({ ok: true });
      }),
      { numRuns: 200 },
    );
  });

  it("keeps one signing key per credentials object and day, and a new day or new credentials sign anew", () => {
    const request: GatewayRequest = { method: "GET", path: "/data/k", headers: { host: "gateway.example.com", "x-amz-security-token": "jwt" } };
    const classified = classifyRequest(request);
    const credentials = { accessKeyId: "ASIAAAAAAAAAAAAAAAAA", secretAccessKey: "s".repeat(40), sessionToken: "t" };
    const sign = (creds: Credentials, at: string) => signUpstream({ request, classified, credentials: creds, endpoint: ENDPOINT, now: new Date(at) }).setHeaders.authorization;
    const first = sign(credentials, "2030-01-01T23:59:59Z");
    expect(sign(credentials, "2030-01-01T23:59:59Z")).toBe(first);
    const nextDay = sign(credentials, "2030-01-02T00:00:00Z");
    expect(nextDay).toContain("Credential=ASIAAAAAAAAAAAAAAAAA/20300102/eu-west-1/s3/aws4_request");
    const rotated = { ...credentials, secretAccessKey: "r".repeat(40) };
    expect(sign(rotated, "2030-01-02T00:00:00Z")).not.toBe(nextDay);
    // Back to the first secret: its key is derived again, not taken from the rotated credentials.
    expect(sign({ ...credentials }, "2030-01-02T00:00:00Z")).toBe(nextDay);
  });
});
