import { CreateSecretCommand, PutSecretValueCommand, type SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { Writable } from "node:stream";
import type { FunctionUrlEvent } from "../../../handlers/issuer/event";
import { createIssuerHandler, type IssuerDeps } from "../../../handlers/issuer/issuer-handler";
import { createLogger, type IssuerMetric } from "../../../handlers/issuer/log";
import { cachedPrivateKey, currentPrivateKeyReader } from "../../../handlers/issuer/private-key";
import { secretsManagerStore } from "../../../handlers/rotation/store";
import { TOKEN_MAX_ENCODED_BYTES } from "../../../src/contracts/gateway";
import { ISSUER_MAX_BODY_BYTES, ISSUER_MAX_GRANTS, parseIssuerErrorBody, parseIssueTokenResponse, type IssueTokenResponse } from "../../../src/contracts/issuer-api";
import type { IssuancePolicy } from "../../../src/issuance/policy";
import { generateSigningKeyPair, type GeneratedKeyPair } from "../../../src/keys/generate";
import { buildKeyring } from "../../../src/keys/keyring";
import { tokenPolicy } from "../../../src/token/policy";
import { verifyToken } from "../../../src/token/verify";
import { motoSetup, startMoto, type Moto } from "../../support/moto";
import { motoSecretsClient } from "../rotation/moto-rig";
import { AWS_DOCS_EVENT, EXAMPLE_ROLE_ID, tokenRequestEvent } from "./function-url-event";

const ACCOUNT = "111122223333";
const ALICE = `arn:aws:sts::${ACCOUNT}:assumed-role/analyst/alice`;
const POLICY: IssuancePolicy = {
  rules: [
    { principals: [`arn:aws:iam::${ACCOUNT}:role/analyst`], grants: ["read:data/reports/", "*:data/home/${aws:sessionName}/"], maxLifetimeSeconds: 3600 },
    { principals: [`arn:aws:iam::${ACCOUNT}:user/example-user`], grants: ["read:data/public/"], maxLifetimeSeconds: 900 },
  ],
};
const T0 = new Date("2030-01-01T00:00:00Z");

/** The handler with a real pino logger writing into `lines`, metrics into `counted`, and a settable clock. */
function issuerRig(readPrivateKey: IssuerDeps["readPrivateKey"], clock: { now: Date }) {
  const lines: Record<string, unknown>[] = [];
  let raw = "";
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      raw += chunk.toString("utf8");
      lines.push(JSON.parse(chunk.toString("utf8")) as Record<string, unknown>);
      done();
    },
  });
  const counted: IssuerMetric[] = [];
  const handler = createIssuerHandler({
    readPrivateKey,
    policy: POLICY,
    issuer: "rajee",
    audience: "rajee",
    now: () => clock.now,
    log: createLogger("info", sink),
    metrics: (name) => counted.push(name),
  });
  return { handler, lines, counted, raw: () => raw };
}

async function call(handler: (e: FunctionUrlEvent) => Promise<{ statusCode: number; headers: Readonly<Record<string, string>>; body: string }>, event: FunctionUrlEvent) {
  const result = await handler(event);
  return { ...result, json: JSON.parse(result.body) as unknown };
}

describe("the issuer handler, without AWS", () => {
  let pair: GeneratedKeyPair;
  let rig: ReturnType<typeof issuerRig>;
  beforeAll(async () => {
    pair = await generateSigningKeyPair();
  });
  beforeEach(() => {
    rig = issuerRig(async () => pair.privateKey, { now: T0 });
  });

  it("refuses with 403 an event without an IAM caller: the URL must be AWS_IAM", async () => {
    const { authorizer: _a, ...context } = tokenRequestEvent({ grants: ["read:data/reports/"] }).requestContext ?? {};
    const res = await call(rig.handler, { ...tokenRequestEvent({ grants: ["read:data/reports/"] }), requestContext: context });
    expect(res.statusCode).toBe(403);
    expect(res.json).toEqual({ error: { code: "AccessDenied", message: "the request names no IAM caller; the issuer's Function URL must use AuthType AWS_IAM" } });
    expect(rig.counted).toEqual(["Denied"]);
  });

  it("reads the caller from the AWS documentation's example event, and refuses its non-JSON body as a bad request", async () => {
    const res = await call(rig.handler, AWS_DOCS_EVENT);
    expect(res.statusCode).toBe(400);
    expect(res.json).toEqual({ error: { code: "BadRequest", message: 'path "/my/path" is not the issuer\'s; POST to / or /token' } });
    expect(rig.lines[0]).toMatchObject({ event: "token_denied", principal: "arn:aws:iam::111122223333:user/example-user", status: 400 });
  });

  it("issues to the AWS example's IAM user what its rule allows", async () => {
    const res = await call(rig.handler, tokenRequestEvent({ grants: ["read:data/public/x.csv"] }, { userArn: AWS_DOCS_EVENT.requestContext.authorizer.iam.userArn, path: "/" }));
    expect(res.statusCode).toBe(200);
    expect((res.json as IssueTokenResponse).grants).toEqual(["read:data/public/x.csv"]);
  });

  it.each([
    ["a GET", tokenRequestEvent({ grants: ["read:data/reports/"] }, { method: "GET" }), 'method "GET" is not allowed; POST the request'],
    ["another path", tokenRequestEvent({ grants: ["read:data/reports/"] }, { path: "/tokens" }), 'path "/tokens" is not the issuer\'s'],
    ["a form body", tokenRequestEvent("grants=read", { contentType: "application/x-www-form-urlencoded" }), 'content-type "application/x-www-form-urlencoded" is not application/json'],
    ["a body that is not JSON", tokenRequestEvent("{grants:"), "the body is not JSON"],
    ["an empty body", tokenRequestEvent(""), "the body is empty"],
    ["a body over 16 KiB", tokenRequestEvent({ grants: ["read:data/reports/"], pad: "x".repeat(ISSUER_MAX_BODY_BYTES) }), "the body is over 16384 bytes"],
    ["a base64 body over 16 KiB", tokenRequestEvent({ grants: ["read:data/reports/"], pad: "x".repeat(ISSUER_MAX_BODY_BYTES) }, { base64: true }), "the body is over 16384 bytes"],
    ["an unknown field", tokenRequestEvent({ grants: ["read:data/reports/"], ttl: 60 }), 'the body has unknown field "ttl"'],
    ["a grant outside the grammar", tokenRequestEvent({ grants: ["read data"] }), 'grants[0]: grant "read data" has no \':\''],
    ["a lifetime under a minute", tokenRequestEvent({ grants: ["read:data/reports/"], ttlSeconds: 10 }), "ttlSeconds=10 is not a whole number of seconds of at least 60"],
  ])("answers 400 naming the problem for %s", async (_what, event, words) => {
    const res = await call(rig.handler, event);
    expect(res.statusCode).toBe(400);
    const error = parseIssuerErrorBody(res.json);
    expect(error).toEqual({ ok: true, value: { error: { code: "BadRequest", message: expect.stringContaining(words) } } });
    expect(rig.counted).toEqual(["Denied"]);
  });

  it("refuses a request for more grants than one request may ask for", async () => {
    const grants = Array.from({ length: ISSUER_MAX_GRANTS + 1 }, (_, i) => `read:data/reports/${i}/`);
    const res = await call(rig.handler, tokenRequestEvent({ grants }));
    expect(res.statusCode).toBe(400);
    expect(res.json).toEqual({ error: { code: "BadRequest", message: expect.stringContaining(`grants has ${ISSUER_MAX_GRANTS + 1} entries, over the ${ISSUER_MAX_GRANTS}`) } });
  });

  it("refuses to issue a token over the size limit, naming its size, the limit and the fix, and logs why", async () => {
    const grants = Array.from({ length: ISSUER_MAX_GRANTS }, (_, i) => `read:data/reports/${"q".repeat(80)}/${i}/`);
    const res = await call(rig.handler, tokenRequestEvent({ grants }));
    expect(res.statusCode).toBe(400);
    const message = (res.json as { error: { message: string } }).error.message;
    expect(message).toMatch(new RegExp(`^the token would be \\d+ bytes, over the ${TOKEN_MAX_ENCODED_BYTES}-byte limit .*its ${ISSUER_MAX_GRANTS} grant\\(s\\).*fewer, wider grants`));
    expect(rig.lines).toEqual([expect.objectContaining({ event: "token_denied", status: 400, reason: message })]);
    expect(rig.counted).toEqual(["Denied"]);
  });

  it("accepts a base64 body, as Lambda sends some", async () => {
    const res = await call(rig.handler, tokenRequestEvent({ grants: ["read:data/reports/"] }, { base64: true }));
    expect(res.statusCode).toBe(200);
  });

  it.each([
    ["a grant no rule covers, naming it", ALICE, { grants: ["read:data/reports/", "read:data/home/bob/"] }, 'grant "read:data/home/bob/" is not covered'],
    ["a caller no rule names", `arn:aws:sts::444455556666:assumed-role/analyst/alice`, { grants: ["read:data/reports/"] }, "no rule of the issuance policy names arn:aws:sts::444455556666:assumed-role/analyst/alice"],
    ["a lifetime over the rule's maximum, naming it", ALICE, { grants: ["read:data/reports/"], ttlSeconds: 3601 }, "ttlSeconds=3601 is over 3600"],
    ["a caller ARN the policy cannot name", `arn:aws:sts::${ACCOUNT}:assumed-role/analyst/a`, { grants: ["read:data/reports/"] }, "is not an IAM user or assumed-role session"],
  ])("answers 403 for %s", async (_what, userArn, body, words) => {
    const res = await call(rig.handler, tokenRequestEvent(body, { userArn }));
    expect(res.statusCode).toBe(403);
    expect(res.json).toEqual({ error: { code: "AccessDenied", message: expect.stringContaining(words) } });
    expect(rig.lines).toEqual([expect.objectContaining({ level: "warn", event: "token_denied", decision: "denied", principal: userArn, reason: expect.stringContaining(words) })]);
  });

  it("refuses a role session whose userId names another session, and matches rules by the role's unique id", async () => {
    const mismatched = await call(rig.handler, tokenRequestEvent({ grants: ["read:data/reports/"] }, { userId: `${EXAMPLE_ROLE_ID}:bob` }));
    expect(mismatched.statusCode).toBe(403);
    expect(mismatched.json).toEqual({ error: { code: "AccessDenied", message: expect.stringContaining("which is not <role id>:<its session name>") } });
    const byId = createIssuerHandler({
      readPrivateKey: async () => pair.privateKey,
      policy: { rules: [{ principals: [EXAMPLE_ROLE_ID], grants: ["read:data/by-id/"], maxLifetimeSeconds: 900 }] },
      issuer: "rajee",
      audience: "rajee",
      now: () => T0,
      log: { info: () => undefined, warn: () => undefined, error: () => undefined } as unknown as IssuerDeps["log"],
      metrics: () => undefined,
    });
    expect((await call(byId, tokenRequestEvent({ grants: ["read:data/by-id/x"] }))).statusCode).toBe(200);
    expect((await call(byId, tokenRequestEvent({ grants: ["read:data/by-id/x"] }, { userId: "AROAEXAMPLEROLEID0002:alice" }))).statusCode).toBe(403);
  });

  it("refuses a caller whose account differs from the one in the request context", async () => {
    const event = tokenRequestEvent({ grants: ["read:data/reports/"] });
    const iam = { ...event.requestContext?.authorizer?.iam, accountId: "444455556666" };
    const res = await call(rig.handler, { ...event, requestContext: { ...event.requestContext, authorizer: { iam } } });
    expect(res.statusCode).toBe(403);
  });

  it("answers 500 without details when the key cannot be read, and logs the cause", async () => {
    const failing = issuerRig(async () => {
      throw new Error("AccessDeniedException: not authorized to perform secretsmanager:GetSecretValue");
    }, { now: T0 });
    const res = await call(failing.handler, tokenRequestEvent({ grants: ["read:data/reports/"] }));
    expect(res.statusCode).toBe(500);
    expect(res.json).toEqual({ error: { code: "InternalError", message: "the issuer failed; the error is in its log" } });
    expect(failing.lines).toEqual([expect.objectContaining({ level: "error", event: "issuer_error", status: 500, principal: ALICE, error: expect.objectContaining({ message: expect.stringContaining("AccessDeniedException") }) })]);
    expect(failing.counted).toEqual(["Errors"]);
  });
});

const moto = motoSetup();
const describeWithMoto = moto.ok ? describe : describe.skip;

describeWithMoto("the issuer handler, with the private key in Secrets Manager (moto)", () => {
  let aws: Moto;
  let sm: SecretsManagerClient;
  let secretArn: string;
  let first: GeneratedKeyPair;
  const clock = { now: T0 };
  let rig: ReturnType<typeof issuerRig>;

  beforeAll(async () => {
    aws = await startMoto();
    sm = motoSecretsClient(aws.url);
    first = await generateSigningKeyPair();
    // As rotation leaves it: one private JWK as the AWSCURRENT version (handlers/rotation/private-key.ts reads it back).
    const created = await sm.send(new CreateSecretCommand({ Name: "rajee/test/signing/private-key", SecretString: JSON.stringify(first.privateKey) }));
    secretArn = created.ARN ?? "";
    rig = issuerRig(cachedPrivateKey(currentPrivateKeyReader(secretsManagerStore(sm), secretArn), 60, () => clock.now), clock);
  }, 30_000);
  afterAll(async () => {
    sm?.destroy();
    await aws?.stop();
  });

  async function issue(body: unknown, userArn = ALICE): Promise<IssueTokenResponse> {
    const res = await call(rig.handler, tokenRequestEvent(body, { userArn }));
    expect(res.statusCode).toBe(200);
    expect(res.headers).toEqual({ "content-type": "application/json", "cache-control": "no-store" });
    const parsed = parseIssueTokenResponse(res.json);
    if (!parsed.ok) throw new Error(parsed.problem);
    return parsed.value;
  }

  it("issues credentials whose token the authorizers' verifier accepts, for the caller and exactly the grants asked", async () => {
    const issued = await issue({ grants: ["read:data/reports/2026/", "write:data/home/alice/notes.txt"], ttlSeconds: 1200 });
    const keyring = await buildKeyring({ keys: [first.publicKey] });
    const verified = await verifyToken(issued.credentials.SessionToken, keyring, tokenPolicy(), new Date(T0.getTime() + 1000));
    expect(verified.ok).toBe(true);
    if (!verified.ok) return;
    expect(verified.token).toMatchObject({ subject: ALICE, jti: issued.jti, kid: first.privateKey.kid, issuedAt: T0.getTime() / 1000, expiresAt: T0.getTime() / 1000 + 1200 });
    expect(verified.token.grants.map((g) => g.source)).toEqual(["read:data/reports/2026/", "write:data/home/alice/notes.txt"]);
    expect(issued.expiresAt).toBe("2030-01-01T00:20:00.000Z");
    expect(issued.credentials.Expiration).toBe(issued.expiresAt);
    expect(issued.credentials.AccessKeyId).toMatch(/^ASIA[A-Z2-7]{16}$/);
  });

  it("gives every token its own jti, and defaults the lifetime to 15 minutes", async () => {
    const a = await issue({ grants: ["read:data/reports/"] });
    const b = await issue({ grants: ["read:data/reports/"] });
    expect(a.jti).not.toBe(b.jti);
    expect(a.expiresAt).toBe("2030-01-01T00:15:00.000Z");
  });

  it("logs one line per issuance with principal, grants, jti and expiry, and never the credentials or the key", async () => {
    const before = rig.lines.length;
    const issued = await issue({ grants: ["read:data/reports/"], ttlSeconds: 600 });
    expect(rig.lines.slice(before)).toEqual([
      expect.objectContaining({
        level: "info",
        service: "rajee-issuer",
        event: "token_issued",
        decision: "issued",
        principal: ALICE,
        requested: ["read:data/reports/"],
        issued: ["read:data/reports/"],
        jti: issued.jti,
        exp: issued.expiresAt,
        ttlSeconds: 600,
      }),
    ]);
    expect(rig.counted.at(-1)).toBe("Issued");
    for (const secret of [issued.credentials.SessionToken, issued.credentials.SecretAccessKey, first.privateKey.d]) expect(rig.raw()).not.toContain(secret);
  });

  it("signs with the new AWSCURRENT key once the cached one is older than a minute", async () => {
    const second = await generateSigningKeyPair();
    await sm.send(new PutSecretValueCommand({ SecretId: secretArn, SecretString: JSON.stringify(second.privateKey) }));
    const kidOf = async () => {
      const issued = await issue({ grants: ["read:data/reports/"] });
      return JSON.parse(Buffer.from(issued.credentials.SessionToken.split(".")[0] ?? "", "base64url").toString("utf8")).kid as string;
    };
    expect(await kidOf()).toBe(first.privateKey.kid);
    clock.now = new Date(T0.getTime() + 61_000);
    expect(await kidOf()).toBe(second.privateKey.kid);
  });

  it("answers 500 and counts an error when the secret is gone", async () => {
    const gone = issuerRig(currentPrivateKeyReader(secretsManagerStore(sm), secretArn.replace("private-key", "missing")), clock);
    const res = await call(gone.handler, tokenRequestEvent({ grants: ["read:data/reports/"] }));
    expect(res.statusCode).toBe(500);
    expect(gone.lines[0]).toMatchObject({ event: "issuer_error", error: { message: expect.stringContaining("has no AWSCURRENT value") } });
    expect(gone.counted).toEqual(["Errors"]);
  });
});
