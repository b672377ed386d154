import { upstreamSigner } from "../../handlers/authorizer/upstream-signing";
import { verifySigV4 } from "../../bin/dev/sigv4-verify";
import { jwksText, MemorySource, parseErrorXml, startHarness, TestClock, type Harness } from "../handlers/authorizer/support";
import { rawRequest } from "../support/raw-http";
import { concreteRequest, copySourceAsS3ReadsIt, isCanonicallyEncoded, loadCorpus, type CorpusCase } from "./support/corpus";
import { S3_ENDPOINT, TASK_CREDENTIALS, upstreamFromAnswer } from "./support/envoy-model";
import { signingKeys, type SigningKeys } from "./support/tokens";

/**
 * The corpus through the authorizer's HTTP check port on 127.0.0.1 (the real app from `build()`,
 * signing allowed requests with made-up task-role credentials). For allows, the request S3 would
 * receive is rebuilt the way Envoy applies the answer, compared with the case's expectation, and its
 * SigV4 signature checked by the independent verifier of the local S3 stand-in.
 */

const NOW = new Date(Date.UTC(2030, 0, 1, 12, 0, 0));
const cases = loadCorpus();

let keys: SigningKeys;
let harness: Harness;

beforeAll(async () => {
  keys = await signingKeys();
  harness = await startHarness({
    keySource: new MemorySource(jwksText(keys.trusted.publicKey)),
    clock: new TestClock(NOW.getTime()),
    env: { RAJEE_VIRTUAL_HOST_DOMAIN: "gw.example.com", RAJEE_RATE_LIMIT_PER_SECOND: "0", RAJEE_LOG_LEVEL: "warn" },
    onAllow: upstreamSigner(S3_ENDPOINT, async () => TASK_CREDENTIALS),
  });
});

afterAll(async () => {
  await harness.close();
});

describe("security corpus through the authorizer's check port", () => {
  it.each(cases.map((c) => [c.name, c] as const))("%s", async (_name, c: CorpusCase) => {
    const request = await concreteRequest(c, keys, NOW);
    const host = /^https?:\/\/([^/?]*)/i.exec(request.url)?.[1] ?? "gateway.example.com";
    const headers = Object.keys(request.headers).some((h) => h.toLowerCase() === "host") ? request.headers : { host, ...request.headers };
    const response = await rawRequest(harness.checkPort, { method: request.method, target: request.target, headers, ...(request.body === undefined ? {} : { body: request.body }) });
    expect(response.status).toBeLessThan(500);
    if (c.status !== 200) {
      const error = response.status === 200 ? { code: "OK", message: "(allowed)" } : parseErrorXml(response.body);
      expect({ status: response.status, code: error.code, message: error.message }).toMatchObject({ status: c.status, code: c.code });
      if (request.token !== undefined) expect(response.body).not.toContain(request.token);
      return;
    }
    const denial = response.status === 200 ? undefined : parseErrorXml(response.body);
    expect({ status: response.status, message: denial?.message }).toEqual({ status: 200, message: undefined });
    const expected = c.upstream!;
    const upstream = upstreamFromAnswer(request.method, request.target, headers, response.headers);
    expect({ method: upstream.method, path: upstream.target }).toEqual({ method: expected.method, path: expected.path });
    for (const [name, value] of Object.entries(expected.headers ?? {})) expect({ [name]: upstream.headers[name] ?? null }).toEqual({ [name]: value });
    if (expected.copySource !== undefined) {
      const forwarded = upstream.headers["x-amz-copy-source"] as string;
      expect(copySourceAsS3ReadsIt(forwarded)).toBe(expected.copySource);
      expect(isCanonicallyEncoded(forwarded)).toBe(true);
    }
    // S3 receives the task role's credentials, never the client's token, and a signature over exactly this request.
    expect(upstream.headers["x-amz-security-token"]).toBe(TASK_CREDENTIALS.sessionToken);
    if (request.token !== undefined) expect(JSON.stringify(upstream)).not.toContain(request.token);
    expect(verifySigV4({ method: upstream.method, target: upstream.target, headers: upstream.headers }, TASK_CREDENTIALS, S3_ENDPOINT.region, NOW)).toMatchObject({ ok: true });
  });
});
