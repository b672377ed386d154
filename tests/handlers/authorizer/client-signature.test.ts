import { parseConfig } from "../../../handlers/authorizer/config";
import { clientView, parseBindingKeys } from "../../../handlers/authorizer/client-signature";
import { createLogger } from "../../../handlers/authorizer/logger";
import { Authorizer } from "../../../handlers/authorizer/service";
import { CLIENT_CONTENT_LENGTH_HEADER } from "../../../src/contracts/gateway";
import { generateSigningKeyPair, type GeneratedKeyPair } from "../../../src/keys/generate";
import type { GatewayRequest } from "../../../src/s3/request";
import { generateBindingKeyPair } from "../../../src/token/binding";
import { issueCredentials, type IssuedCredentials } from "../../../src/token/credentials";
import type { SignedRequest } from "../../../src/sigv4/verify";
import { presign, signHeaders, type ClientRequest } from "../../src/sigv4/client-signer";
import { jwksText, MemorySource, mint, parseErrorXml, TestClock } from "./support";

type Mode = "required" | "when-bound" | "off";

let signing: GeneratedKeyPair;
let binding: Awaited<ReturnType<typeof generateBindingKeyPair>>;
let otherBinding: Awaited<ReturnType<typeof generateBindingKeyPair>>;
const clock = new TestClock();
const running: Authorizer[] = [];

beforeAll(async () => {
  signing = await generateSigningKeyPair();
  binding = await generateBindingKeyPair();
  otherBinding = await generateBindingKeyPair();
});
afterEach(() => {
  for (const authorizer of running.splice(0)) authorizer.stop();
});

async function authorizer(mode: Mode, options: { bindingKeys?: boolean } = {}): Promise<{ authorizer: Authorizer; logs: string[] }> {
  const logs: string[] = [];
  const withKeys = options.bindingKeys ?? true;
  const config = parseConfig({ RAJEE_JWKS_FILE: "/unused", RAJEE_CLIENT_SIGNATURES: mode, RAJEE_EMF_INTERVAL_SECONDS: "0", RAJEE_LOG_LEVEL: "debug", ...(withKeys ? { RAJEE_BINDING_KEYS_FILE: "/unused" } : {}) });
  const result = new Authorizer({
    config,
    keySource: new MemorySource(jwksText(signing.publicKey)),
    ...(withKeys ? { bindingKeySource: new MemorySource(JSON.stringify({ keys: [binding.privateKey] })) } : {}),
    logger: createLogger("debug", { write: (line: string) => void logs.push(line) }),
    clock: clock.read,
  });
  await result.start();
  running.push(result);
  return { authorizer: result, logs };
}

const issue = (grants = ["read:data/reports/"], key = binding.publicKey): Promise<IssuedCredentials> =>
  issueCredentials({ key: signing.privateKey, subject: "alice", grants, ttlSeconds: 3600, issuer: "rajee", audience: "rajee", now: clock.date, binding: key });

const credentialOf = (c: IssuedCredentials) => ({ accessKeyId: c.accessKeyId, secretAccessKey: c.secretAccessKey, sessionToken: c.sessionToken });
const GET: ClientRequest = { method: "GET", path: "/data/reports/q1.csv" };
/** The request as Envoy's check request carries it: its own content-length, the client's in the internal header. */
const viaEnvoy = (r: SignedRequest): GatewayRequest => {
  const { "content-length": clientLength, ...rest } = r.headers;
  return { method: r.method, path: r.target, headers: { ...rest, "content-length": "0", ...(clientLength === undefined ? {} : { [CLIENT_CONTENT_LENGTH_HEADER]: clientLength }) } };
};

async function judge(a: Authorizer, request: SignedRequest | GatewayRequest): Promise<{ status: number; code?: string; message?: string }> {
  const gateway = "target" in request ? viaEnvoy(request) : request;
  const response = await a.check(gateway, { requestId: "req-1" });
  if (response.status === 200) return { status: 200 };
  const error = parseErrorXml(response.body);
  return { status: response.status, code: error.code, message: error.message };
}

describe("client signatures in the authorizer", () => {
  it("allows a bound token's header-signed and presigned requests", async () => {
    const { authorizer: a } = await authorizer("required");
    const credentials = await issue();
    expect(await judge(a, await signHeaders(GET, credentialOf(credentials), clock.date))).toEqual({ status: 200 });
    expect(await judge(a, await presign(GET, credentialOf(credentials), clock.date, 300))).toEqual({ status: 200 });
  });

  it("verifies a PUT whose signature covers the client's Content-Length, which Envoy's check request replaces", async () => {
    const { authorizer: a } = await authorizer("required");
    const credentials = await issue(["write:data/in/"]);
    const put = await signHeaders({ method: "PUT", path: "/data/in/a.txt", headers: { "content-length": "11", "content-type": "text/plain" } }, credentialOf(credentials), clock.date);
    expect(await judge(a, put)).toEqual({ status: 200 });
    const withoutCopy: GatewayRequest = { method: "PUT", path: put.target, headers: { ...put.headers, "content-length": "0" } };
    expect(await judge(a, withoutCopy)).toMatchObject({ status: 403, code: "SignatureDoesNotMatch" });
  });

  it("refuses the token of a URL replayed as a header, without a signature", async () => {
    const { authorizer: a } = await authorizer("when-bound");
    const credentials = await issue();
    expect(await judge(a, { method: "GET", path: GET.path, headers: { host: "gateway.example.com", "x-amz-security-token": credentials.sessionToken } })).toMatchObject({
      status: 403,
      code: "AccessDenied",
      message: expect.stringContaining("bound to credentials and it is not signed"),
    });
    expect(await judge(a, { method: "GET", path: GET.path, headers: { host: "gateway.example.com", authorization: `Bearer ${credentials.sessionToken}` } })).toMatchObject({ status: 403 });
  });

  it("refuses a request signed with another credential's secret, or under another credential's key id", async () => {
    const { authorizer: a } = await authorizer("required");
    const mine = await issue();
    const theirs = await issue();
    const otherSecret = await signHeaders(GET, { ...credentialOf(mine), secretAccessKey: theirs.secretAccessKey }, clock.date);
    expect(await judge(a, otherSecret)).toMatchObject({ status: 403, code: "SignatureDoesNotMatch" });
    const otherKeyId = await signHeaders(GET, { ...credentialOf(theirs), sessionToken: mine.sessionToken }, clock.date);
    expect(await judge(a, otherKeyId)).toMatchObject({ status: 403, code: "InvalidAccessKeyId" });
  });

  it("judges no grant before the signature: a forged request outside the grants gets the signature error", async () => {
    const { authorizer: a } = await authorizer("required");
    const credentials = await issue();
    const forged = await signHeaders({ method: "DELETE", path: "/secret/x" }, { ...credentialOf(credentials), secretAccessKey: "f".repeat(40) }, clock.date);
    expect(await judge(a, forged)).toMatchObject({ status: 403, code: "SignatureDoesNotMatch" });
  });

  it("refuses expired presigned URLs and skewed header signatures", async () => {
    const { authorizer: a } = await authorizer("required");
    const credentials = await issue();
    const url = await presign(GET, credentialOf(credentials), clock.date, 60);
    const late = await signHeaders(GET, credentialOf(credentials), new Date(clock.nowMs - 16 * 60_000));
    clock.advance(61);
    try {
      expect(await judge(a, url)).toMatchObject({ status: 403, code: "AccessDenied", message: expect.stringMatching(/expired/) });
      expect(await judge(a, late)).toMatchObject({ status: 403, code: "RequestTimeTooSkewed" });
    } finally {
      clock.advance(-61);
    }
  });

  it("refuses a presigned URL whose X-Amz-Date and X-Amz-Expires were removed, or whose expiry was lengthened", async () => {
    const { authorizer: a } = await authorizer("when-bound");
    const url = await presign(GET, credentialOf(await issue()), clock.date, 60);
    const stripped = { ...url, target: url.target.replace(/&X-Amz-Date=[^&]*/, "").replace(/&X-Amz-Expires=[^&]*/, "") };
    expect(await judge(a, stripped)).toMatchObject({ status: 400, code: "AuthorizationQueryParametersError" });
    const lengthened = { ...url, target: url.target.replace(/X-Amz-Expires=60/, "X-Amz-Expires=604800") };
    expect(await judge(a, lengthened)).toMatchObject({ status: 403, code: "SignatureDoesNotMatch" });
  });

  it("refuses a bearer token in required mode, naming where to get credentials", async () => {
    const { authorizer: a } = await authorizer("required");
    const bearer = await mint(signing, ["read:data/reports/"], { now: clock.date });
    const verdict = await judge(a, { method: "GET", path: GET.path, headers: { host: "gateway.example.com", "x-amz-security-token": bearer } });
    expect(verdict).toMatchObject({ status: 403, code: "AccessDenied", message: expect.stringMatching(/bearer token.*rajee token mint --binding-key/) });
  });

  it("serves a bearer token in when-bound and off modes", async () => {
    const bearer = await mint(signing, ["read:data/reports/"], { now: clock.date });
    const request: GatewayRequest = { method: "GET", path: GET.path, headers: { host: "gateway.example.com", "x-amz-security-token": bearer } };
    expect(await judge((await authorizer("when-bound")).authorizer, request)).toEqual({ status: 200 });
    expect(await judge((await authorizer("off")).authorizer, request)).toEqual({ status: 200 });
  });

  it("in off mode, serves a bound token without any signature", async () => {
    const { authorizer: a } = await authorizer("off", { bindingKeys: false });
    const credentials = await issue();
    expect(await judge(a, { method: "GET", path: GET.path, headers: { host: "gateway.example.com", "x-amz-security-token": credentials.sessionToken } })).toEqual({ status: 200 });
  });

  it("refuses a token sealed to a binding key this gateway does not hold", async () => {
    const { authorizer: a } = await authorizer("when-bound");
    const credentials = await issue(["read:data/reports/"], otherBinding.publicKey);
    expect(await judge(a, await signHeaders(GET, credentialOf(credentials), clock.date))).toMatchObject({ status: 403, message: expect.stringContaining(`binding key '${otherBinding.publicKey.kid}'`) });
  });

  it("never logs the secret or the signature, and says which signed header did not arrive", async () => {
    const { authorizer: a, logs } = await authorizer("required");
    const credentials = await issue();
    const signed = await signHeaders({ ...GET, headers: { range: "bytes=0-9" } }, credentialOf(credentials), clock.date);
    expect(await judge(a, signed)).toEqual({ status: 200 });
    const { range: _dropped, ...withoutRange } = signed.headers;
    expect(await judge(a, { ...signed, headers: withoutRange })).toMatchObject({ code: "SignatureDoesNotMatch" });
    const text = logs.join("");
    const signature = /Signature=([0-9a-f]{64})/.exec(signed.headers.authorization as string)?.[1] as string;
    expect(text).not.toContain(credentials.secretAccessKey);
    expect(text).not.toContain(signature);
    const lines = logs.map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines).toContainEqual(expect.objectContaining({ event: "client_signature", reason: "client-signature:signature", detail: "signed headers not received: range" }));
    expect(lines).toContainEqual(expect.objectContaining({ event: "decision", reason: "client-signature:signature", code: "SignatureDoesNotMatch" }));
  });

  it("is not ready until the binding keys load", async () => {
    const config = parseConfig({ RAJEE_JWKS_FILE: "/unused", RAJEE_CLIENT_SIGNATURES: "required", RAJEE_BINDING_KEYS_FILE: "/unused", RAJEE_EMF_INTERVAL_SECONDS: "0" });
    const failing = new MemorySource("");
    failing.failing = new Error("unreadable");
    const a = new Authorizer({ config, keySource: new MemorySource(jwksText(signing.publicKey)), bindingKeySource: failing, logger: createLogger("silent"), clock: clock.read });
    await a.start();
    running.push(a);
    expect(a.ready().problems).toEqual([expect.stringMatching(/^binding-keys not loaded yet; last error: unreadable/)]);
    expect(await judge(a, await signHeaders(GET, credentialOf(await issue()), clock.date))).toMatchObject({ status: 403, message: expect.stringContaining("binding keys are not loaded yet") });
  });
});

describe("parseBindingKeys", () => {
  it("refuses a document without keys, a public key and a repeated kid, without echoing key material", async () => {
    await expect(parseBindingKeys("{}", "binding.json")).rejects.toThrow(/not a binding-key document/);
    await expect(parseBindingKeys(JSON.stringify({ keys: [binding.publicKey] }), "binding.json")).rejects.toThrow(/keys\[0\].*has no "d"/);
    await expect(parseBindingKeys(JSON.stringify({ keys: [binding.privateKey, binding.privateKey] }), "binding.json")).rejects.toThrow(/appears twice/);
    const broken = `{"keys": [{"d": "${binding.privateKey.d}"`;
    const error = await parseBindingKeys(broken, "binding.json").catch((e: Error) => e);
    expect((error as Error).message).toBe("binding.json: not valid JSON");
  });

  it("fingerprints the set of kids", async () => {
    const one = await parseBindingKeys(JSON.stringify({ keys: [binding.privateKey] }), "a");
    const two = await parseBindingKeys(JSON.stringify({ keys: [binding.privateKey, otherBinding.privateKey] }), "b");
    expect(one.fingerprint).not.toBe(two.fingerprint);
    expect(two.kids).toEqual([binding.privateKey.kid, otherBinding.privateKey.kid].sort());
  });
});

describe("clientView", () => {
  it("puts back the client's Content-Length and drops the check request's", () => {
    const view = clientView({ method: "PUT", path: "/b/k", headers: { host: "h", "content-length": "0", [CLIENT_CONTENT_LENGTH_HEADER]: "42" } });
    expect(view.headers).toEqual({ host: "h", "content-length": "42" });
    expect(clientView({ method: "GET", path: "/b/k", headers: { host: "h", "content-length": "0" } }).headers).toEqual({ host: "h" });
  });
});
