import { parseConfig } from "../../../handlers/authorizer/config";
import type { CheckResponse } from "../../../handlers/authorizer/check-response";
import { createLogger } from "../../../handlers/authorizer/logger";
import { Authorizer, type AllowHook } from "../../../handlers/authorizer/service";
import { CLIENT_CONTENT_LENGTH_HEADER } from "../../../src/contracts/gateway";
import { generateSigningKeyPair, type GeneratedKeyPair } from "../../../src/keys/generate";
import type { GatewayRequest } from "../../../src/s3/request";
import type { SignedRequest } from "../../../src/sigv4/verify";
import { generateBindingKeyPair } from "../../../src/token/binding";
import { issueCredentials } from "../../../src/token/credentials";
import { signHeaders } from "../../src/sigv4/client-signer";
import { jwksText, MemorySource, mint, parseErrorXml, TestClock } from "./support";

let signing: GeneratedKeyPair;
let binding: Awaited<ReturnType<typeof generateBindingKeyPair>>;
const clock = new TestClock();
const running: Authorizer[] = [];

beforeAll(async () => {
  signing = await generateSigningKeyPair();
  binding = await generateBindingKeyPair();
});
afterEach(() => {
  for (const authorizer of running.splice(0)) authorizer.stop();
});

async function authorizer(env: Record<string, string>, onAllow?: AllowHook): Promise<{ authorizer: Authorizer; logs: () => Record<string, unknown>[] }> {
  const lines: string[] = [];
  const bound = env.RAJEE_CLIENT_SIGNATURES !== "off";
  const config = parseConfig({ RAJEE_JWKS_FILE: "/unused", RAJEE_EMF_INTERVAL_SECONDS: "0", RAJEE_LOG_LEVEL: "info", ...(bound ? { RAJEE_BINDING_KEYS_FILE: "/unused" } : {}), ...env });
  const result = new Authorizer({
    config,
    keySource: new MemorySource(jwksText(signing.publicKey)),
    ...(bound ? { bindingKeySource: new MemorySource(JSON.stringify({ keys: [binding.privateKey] })) } : {}),
    logger: createLogger("info", { write: (line: string) => void lines.push(line) }),
    clock: clock.read,
    ...(onAllow ? { onAllow } : {}),
  });
  await result.start();
  running.push(result);
  return { authorizer: result, logs: () => lines.map((l) => JSON.parse(l) as Record<string, unknown>) };
}

const bearer = async (path = "/data/reports/q1.csv"): Promise<GatewayRequest> => ({
  method: "GET",
  path,
  headers: { "x-amz-security-token": await mint(signing, ["read:data/reports/"], { now: clock.date }) },
});

/** The request as Envoy's check request carries it: its own content-length, the client's in the internal header. */
const viaEnvoy = (r: SignedRequest): GatewayRequest => {
  const { "content-length": clientLength, ...rest } = r.headers;
  return { method: r.method, path: r.target, headers: { ...rest, "content-length": "0", ...(clientLength === undefined ? {} : { [CLIENT_CONTENT_LENGTH_HEADER]: clientLength }) } };
};

/** The answer when it was given in the same turn; fails the test when it is a promise. */
function synchronous(answer: CheckResponse | Promise<CheckResponse>): CheckResponse {
  expect(answer).not.toBeInstanceOf(Promise);
  return answer as CheckResponse;
}

describe("Authorizer.checkNow", () => {
  it("answers a token-cache miss with a promise and the following hits in the same turn, logging each", async () => {
    const { authorizer: a, logs } = await authorizer({ RAJEE_CLIENT_SIGNATURES: "off" });
    const request = await bearer();
    const miss = a.checkNow(request, { requestId: "miss" });
    expect(miss).toBeInstanceOf(Promise);
    expect((await miss).status).toBe(200);
    for (const requestId of ["hit-1", "hit-2"]) expect(synchronous(a.checkNow(request, { requestId })).status).toBe(200);
    const outside = synchronous(a.checkNow({ ...request, path: "/data/other/x" }, { requestId: "outside" }));
    expect(outside.status).toBe(403);
    expect(parseErrorXml(outside.body).code).toBe("AccessDenied");
    expect(a.inFlight).toBe(0);
    const decisions = logs().filter((l) => l.event === "decision");
    expect(decisions.map((l) => [l.request_id, l.decision, l.cache])).toEqual([
      ["miss", "allow", "miss"],
      ["hit-1", "allow", "hit"],
      ["hit-2", "allow", "hit"],
      ["outside", "deny", "hit"],
    ]);
  });

  it("judges a bound token's client signature on every hit, in the same turn once its secret is open", async () => {
    const { authorizer: a, logs } = await authorizer({ RAJEE_CLIENT_SIGNATURES: "required" });
    const c = await issueCredentials({ key: signing.privateKey, subject: "alice", grants: ["read:data/reports/"], ttlSeconds: 3600, issuer: "rajee", audience: "rajee", now: clock.date, binding: binding.publicKey });
    const credentials = { accessKeyId: c.accessKeyId, secretAccessKey: c.secretAccessKey, sessionToken: c.sessionToken };
    const signed = viaEnvoy(await signHeaders({ method: "GET", path: "/data/reports/q1.csv" }, credentials, clock.date));
    expect((await a.checkNow(signed, { requestId: "first" })).status).toBe(200);
    expect(synchronous(a.checkNow(signed, { requestId: "hit" })).status).toBe(200);
    const wrongSecret = viaEnvoy(await signHeaders({ method: "GET", path: "/data/reports/q1.csv" }, { ...credentials, secretAccessKey: `${credentials.secretAccessKey}x` }, clock.date));
    const refused = synchronous(a.checkNow(wrongSecret, { requestId: "forged" }));
    expect(refused.status).toBe(403);
    expect(parseErrorXml(refused.body).code).toBe("SignatureDoesNotMatch");
    expect(logs().find((l) => l.event === "decision" && l.request_id === "forged")).toMatchObject({ decision: "deny", cache: "hit", reason: expect.stringMatching(/^client-signature:/) });
  });

  it("turns a throw on the synchronous path into the logged internal-error denial, never a throw or a 5xx", async () => {
    let fail = false;
    const { authorizer: a, logs } = await authorizer({ RAJEE_CLIENT_SIGNATURES: "off" }, () => {
      if (fail) throw new Error("credentials unavailable");
      return {};
    });
    const request = await bearer();
    expect((await a.checkNow(request, { requestId: "warm" })).status).toBe(200);
    fail = true;
    const denied = synchronous(a.checkNow(request, { requestId: "failing" }));
    expect(denied.status).toBe(403);
    expect(parseErrorXml(denied.body).message).toBe("internal error in the gateway; the request was denied, retry later");
    expect(a.inFlight).toBe(0);
    expect(logs().find((l) => l.event === "decision" && l.request_id === "failing")).toMatchObject({ decision: "deny", status: 403, reason: "internal-error" });
  });

  it("turns a rejected allow hook into the same denial, answered once the hook settles", async () => {
    const { authorizer: a } = await authorizer({ RAJEE_CLIENT_SIGNATURES: "off" }, () => Promise.reject(new Error("signer down")));
    const request = await bearer();
    await a.checkNow(request, { requestId: "warm" });
    const pending = a.checkNow(request, { requestId: "rejected" });
    expect(pending).toBeInstanceOf(Promise);
    expect((await pending).status).toBe(403);
    expect(a.inFlight).toBe(0);
  });
});
