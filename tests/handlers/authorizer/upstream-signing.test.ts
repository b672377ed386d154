import { verifySigV4 } from "../../../bin/dev/sigv4-verify";
import { EXT_AUTHZ_ALLOWED_UPSTREAM_HEADERS } from "../../../envoy-templates/settings";
import { HEADERS_TO_REMOVE, upstreamSigner } from "../../../handlers/authorizer/upstream-signing";
import { UPSTREAM_PATH_HEADER } from "../../../src/upstream/sign";
import { jwksText, keyPair, MemorySource, mint, parseErrorXml, startHarness, type Harness } from "./support";

const ENDPOINT = { host: "s3.eu-west-1.amazonaws.com", region: "eu-west-1" };
const TASK_ROLE = { accessKeyId: "AKIDTASKROLE", secretAccessKey: "task-role-secret", sessionToken: "task-role-session" };

let harness: Harness;
let token: string;
beforeAll(async () => {
  const pair = await keyPair();
  harness = await startHarness({ keySource: new MemorySource(jwksText(pair.publicKey)), onAllow: upstreamSigner(ENDPOINT, async () => TASK_ROLE) });
  token = await mint(pair, ["write:data/in/", "read:data/reports/", "delete:data/tmp/"]);
});
afterAll(async () => {
  await harness.close();
});

/** Applies an allow the way Envoy does (remove, overwrite the allowed headers, swap the path, rewrite the host). */
function upstreamOf(method: string, path: string, client: Record<string, string>, answer: Record<string, string | string[] | undefined>) {
  const headers: Record<string, string> = { ...client };
  for (const name of String(answer[HEADERS_TO_REMOVE] ?? "").split(",").filter(Boolean)) delete headers[name];
  for (const name of EXT_AUTHZ_ALLOWED_UPSTREAM_HEADERS) if (typeof answer[name] === "string") headers[name] = answer[name] as string;
  const target = headers[UPSTREAM_PATH_HEADER] ?? path;
  delete headers[UPSTREAM_PATH_HEADER];
  headers.host = ENDPOINT.host;
  return { method, target, headers };
}

describe("the upstream signer behind the check port", () => {
  it("answers a CopyObject with the canonical x-amz-copy-source it judged, signed, for every client spelling", async () => {
    for (const spelled of [encodeURIComponent("data/reports/q1 2024+x.csv"), "/data/reports/q1+2024%2Bx.csv", "data/reports/q1%202024%2Bx.csv"]) {
      const client = { host: "gateway.example.com", "x-amz-security-token": token, "x-amz-copy-source": spelled };
      const response = await harness.check({ method: "PUT", path: "/data/in/copy.csv", headers: client });
      expect(response.status).toBe(200);
      expect(response.headers["x-amz-copy-source"]).toBe("/data/reports/q1%202024%2Bx.csv");
      const upstream = upstreamOf("PUT", "/data/in/copy.csv", client, response.headers);
      const verdict = verifySigV4(upstream, TASK_ROLE, ENDPOINT.region, new Date());
      expect(verdict).toMatchObject({ ok: true });
      expect(verdict.ok && verdict.signedHeaders).toContain("x-amz-copy-source");
    }
  });

  it("refuses a DeleteObjects whose Quiet hides an Object, and one without a token, before anything is signed", async () => {
    const hidden = "<Delete><Quiet><Object><Key>reports/secret</Key></Object></Quiet><Object><Key>tmp/a</Key></Object></Delete>";
    const smuggled = await harness.check({ method: "POST", path: "/data?delete", headers: { "x-amz-security-token": token }, body: hidden });
    expect({ status: smuggled.status, code: parseErrorXml(smuggled.body).code, signed: smuggled.headers.authorization }).toEqual({ status: 400, code: "MalformedXML", signed: undefined });
    const attack = `<Delete><Object><Key>${"&".repeat(2 * 1024 * 1024 - 64)}</Key></Object></Delete>`;
    const anonymous = await harness.check({ method: "POST", path: "/data?delete", body: attack });
    expect({ status: anonymous.status, code: parseErrorXml(anonymous.body).code }).toEqual({ status: 403, code: "AccessDenied" });
    const lastDecision = harness.logs.filter((l) => l.event === "decision").at(-1);
    expect(lastDecision).toMatchObject({ reason: "no-token", operation: "DeleteObjects" });
  });
});
