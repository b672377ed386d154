import { readFileSync } from "node:fs";
import { join } from "node:path";
import fc from "fast-check";
import {
  callerIdentity,
  issuerLogLine,
  parseDevPrincipals,
  startIssuerEndpoint,
  type DevPrincipals,
  type FunctionUrlEvent,
  type IssuerEndpoint,
  type IssuerRequestRecord,
} from "../../../bin/dev/issuer-endpoint";
import { ISSUER_MAX_BODY_BYTES } from "../../../src/contracts/issuer-api";
import { postToIssuer, signIssuerRequest } from "../../../bin/issuer-client";

const REGION = "eu-west-1";
const PRINCIPALS_FILE = join(__dirname, "../../../config/dev-principals.json");
const principals: DevPrincipals = parseDevPrincipals(JSON.parse(readFileSync(PRINCIPALS_FILE, "utf8")), PRINCIPALS_FILE);
const alice = principals.principals.alice!;
const outsider = principals.principals.outsider!;

let endpoint: IssuerEndpoint;
const events: FunctionUrlEvent[] = [];
const records: IssuerRequestRecord[] = [];

beforeAll(async () => {
  endpoint = await startIssuerEndpoint({
    principals,
    region: REGION,
    handler: async (event) => {
      events.push(event);
      return { statusCode: 200, headers: { "content-type": "application/json" }, body: JSON.stringify({ seen: event.requestContext.authorizer.iam.userArn }) };
    },
    onRequest: (record) => records.push(record),
  });
});
afterAll(() => endpoint.close());
beforeEach(() => {
  events.length = 0;
  records.length = 0;
});

async function signedBy(credentials: { accessKeyId: string; secretAccessKey: string }, grants = ["read:data/a/"], region = REGION) {
  return signIssuerRequest({ url: new URL(endpoint.url), region, credentials, request: { grants }, now: new Date() });
}

describe("the local issuer's Function URL check", () => {
  it("passes a signed request to the handler as a Function URL event naming the caller", async () => {
    const answer = await postToIssuer(await signedBy(alice));
    expect(answer).toEqual({ status: 200, body: JSON.stringify({ seen: alice.arn }) });
    expect(events).toHaveLength(1);
    const event = events[0]!;
    expect(event).toMatchObject({ version: "2.0", rawPath: "/", isBase64Encoded: false, body: JSON.stringify({ grants: ["read:data/a/"] }) });
    expect(event.requestContext.http).toMatchObject({ method: "POST", path: "/" });
    expect(event.requestContext.authorizer.iam).toEqual({
      accessKey: alice.accessKeyId,
      accountId: "111111111111",
      callerId: expect.stringMatching(/^AROA[0-9A-F]{17}:alice$/),
      cognitoIdentity: null,
      principalOrgId: null,
      userArn: "arn:aws:sts::111111111111:assumed-role/AWSReservedSSO_DataScientist_0123456789abcdef/alice",
      userId: expect.stringMatching(/^AROA[0-9A-F]{17}:alice$/),
    });
    expect(event.headers["content-type"]).toBe("application/json");
    expect(records).toEqual([{ caller: alice.arn, status: 200 }]);
  });

  it("maps each key to its own principal, users as well as role sessions", async () => {
    await postToIssuer(await signedBy(outsider));
    expect(events[0]!.requestContext.authorizer.iam).toMatchObject({ userArn: "arn:aws:iam::222222222222:user/outsider", accountId: "222222222222", userId: expect.stringMatching(/^AIDA/) });
  });

  it("refuses an unsigned request without calling the handler", async () => {
    const response = await fetch(endpoint.url, { method: "POST", headers: { "content-type": "application/json" }, body: '{"grants":["read:data/a/"]}' });
    expect(response.status).toBe(403);
    expect(await response.json()).toEqual({ error: { code: "AccessDenied", message: expect.stringContaining("not signed") } });
    expect(events).toEqual([]);
    expect(records).toEqual([{ caller: undefined, status: 403, reason: expect.stringContaining("the request is not signed") }]);
  });

  it("checks the signature of a body over the issuer's limit and hands it to the handler, as a Function URL does (Lambda takes 6 MB)", async () => {
    const grants = Array.from({ length: 2000 }, (_, i) => `read:data/${"p".repeat(20)}/${i}/`);
    const signed = await signedBy(alice, grants);
    expect(Buffer.byteLength(signed.body)).toBeGreaterThan(4 * ISSUER_MAX_BODY_BYTES);
    expect((await postToIssuer(signed)).status).toBe(200);
    expect(events).toHaveLength(1);
    expect((await postToIssuer({ ...signed, headers: { ...signed.headers, authorization: signed.headers.authorization!.replace(/Signature=\w+/, `Signature=${"0".repeat(64)}`) } })).status).toBe(403);
    expect(events).toHaveLength(1);
  });

  it("records why the handler refused a request, for the dev log", async () => {
    const refusing = await startIssuerEndpoint({
      principals,
      region: REGION,
      handler: async () => ({ statusCode: 403, headers: {}, body: JSON.stringify({ error: { code: "AccessDenied", message: 'grant "read:data/b/" is not covered' } }) }),
      onRequest: (record) => records.push(record),
    });
    try {
      await postToIssuer(await signIssuerRequest({ url: new URL(refusing.url), region: REGION, credentials: alice, request: { grants: ["read:data/b/"] }, now: new Date() }));
    } finally {
      await refusing.close();
    }
    expect(records).toEqual([{ caller: alice.arn, status: 403, reason: 'grant "read:data/b/" is not covered' }]);
    expect(issuerLogLine(records[0]!)).toBe(`issuer 403 ${alice.arn}: grant "read:data/b/" is not covered`);
    expect(issuerLogLine({ caller: undefined, status: 403, reason: "(local Function URL) the request is not signed" })).toBe("issuer 403 (unauthenticated): (local Function URL) the request is not signed");
    expect(issuerLogLine({ caller: alice.arn, status: 200 })).toBe(`issuer 200 ${alice.arn}`);
  });

  it("refuses a wrong secret, a wrong region and an unknown key", async () => {
    const cases = [
      [await signedBy({ accessKeyId: alice.accessKeyId, secretAccessKey: "not-alice-secret" }), "SignatureDoesNotMatch"],
      [await signedBy(alice, ["read:data/a/"], "us-east-1"), "scope us-east-1/lambda is not eu-west-1/lambda"],
      [await signedBy({ accessKeyId: "AKIANOBODY0000000000", secretAccessKey: "x" }), "unknown access key AKIANOBODY0000000000"],
    ] as const;
    for (const [request, why] of cases) {
      const answer = await postToIssuer(request);
      expect(answer.status).toBe(403);
      expect(JSON.parse(answer.body).error.message).toContain(why);
    }
    expect(events).toEqual([]);
  });

  it("refuses a signed request whose body was changed on the way (property)", async () => {
    const signed = await signedBy(alice);
    await fc.assert(
      fc.asyncProperty(fc.string({ minLength: 1, maxLength: 40 }), async (extra) => {
        const answer = await postToIssuer({ ...signed, body: JSON.stringify({ grants: ["read:data/a/"], extra }) });
        expect(answer.status).toBe(403);
      }),
      { numRuns: 20 },
    );
    expect(events).toEqual([]);
  });
});

describe("the dev principals file", () => {
  it("maps distinct keys to role sessions and users", () => {
    const keys = Object.values(principals.principals).map((p) => p.accessKeyId);
    expect(new Set(keys).size).toBe(keys.length);
    expect(callerIdentity(alice).accountId).toBe("111111111111");
  });

  it("names every bad entry with the fix", () => {
    const bad = {
      principals: {
        a: { accessKeyId: "lower", secretAccessKey: "s", arn: "arn:aws:sts::111111111111:assumed-role/R/a" },
        b: { accessKeyId: "AKIADUPLICATE0000000", secretAccessKey: "s", arn: "arn:aws:iam::111111111111:role/R" },
        c: { accessKeyId: "AKIADUPLICATE0000000", secretAccessKey: "", arn: "arn:aws:iam::111111111111:user/c" },
      },
    };
    let message = "";
    try {
      parseDevPrincipals(bad, "dev.json");
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toContain("principals.a.accessKeyId is \"lower\"");
    expect(message).toContain("principals.b.arn is \"arn:aws:iam::111111111111:role/R\"; use an assumed-role session");
    expect(message).toContain("principals.c.accessKeyId AKIADUPLICATE0000000 is also b's");
    expect(message).toContain("principals.c.secretAccessKey is missing");
    expect(() => parseDevPrincipals({}, "dev.json")).toThrow(/dev.json: no "principals" object/);
  });
});
