import { parseConfig } from "../handlers/authorizer/config";
import { cachedVerify } from "../handlers/authorizer/cached-verify";
import { createLogger } from "../handlers/authorizer/logger";
import { Authorizer } from "../handlers/authorizer/service";
import { TokenCache } from "../handlers/authorizer/token-cache";
import { fileSource } from "../handlers/authorizer/text-source";
import { upstreamSigner } from "../handlers/authorizer/upstream-signing";
import { AUTHORIZER_VARIABLES } from "../src/contracts/authorizer-environment";
import { authorizeClassified, decide, type DecisionContext } from "../src/decision";
import { generateSigningKeyPair } from "../src/keys/generate";
import type { SigningAlgorithm } from "../src/keys/jwks";
import { buildKeyring } from "../src/keys/keyring";
import type { GatewayRequest } from "../src/s3/request";
import { mintToken } from "../src/token/mint";
import { tokenPolicy } from "../src/token/policy";
import { verifyToken } from "../src/token/verify";
import { round } from "./stats";
import { interleavedPerCallUs, perCallUs } from "./timing";
import { writeFileSync } from "node:fs";
import { join } from "node:path";

/** Grant counts of the scaling table. */
export const GRANT_COUNTS = [1, 10, 100, 1000] as const;
/** Keys in the DeleteObjects body of the scaling table. */
export const DELETE_KEYS = 1000;

export interface ScalingResults {
  /** `decide` with the cached verifier on a hit: token spelling, cache lookup by signature, classification, grants. By grant count. */
  readonly decide_us: Record<string, number>;
  /** The grant check alone (`authorizeClassified`), by grant count. */
  readonly grant_check_us: Record<string, number>;
  /** `Authorizer.check` on a cache hit (adds the log line, metrics, rate limit), by grant count. */
  readonly check_us: Record<string, number>;
  /** Token length in characters, by grant count. */
  readonly token_chars: Record<string, number>;
  /** `Authorizer.check` of a DeleteObjects of DELETE_KEYS keys: one prefix grant, and one exact grant per key. */
  readonly delete_objects_us: { readonly one_prefix_grant: number; readonly grant_per_key: number };
  /** The cached verifier on a hit, by algorithm (token of 10 grants). */
  readonly verify_cached_us: Record<string, number>;
  /** Full verification (signature and claims), by algorithm (token of 10 grants). */
  readonly verify_uncached_us: Record<string, number>;
  /** The upstream signer (SigV4 for S3) on one allowed GET. */
  readonly upstream_signing_us: number;
}

const request = (token: string, path: string): GatewayRequest => ({ method: "GET", path, headers: { host: "gw.example.com", "x-amz-security-token": token } });

/** Grants that do not match, then the one that does, so a scan would read them all. */
function grantsOf(count: number): string[] {
  return [...Array.from({ length: count - 1 }, (_, i) => `read:data/other-${i}/`), "read:data/reports/"];
}

async function authorizerFor(dir: string, publicKey: object): Promise<Authorizer> {
  const jwksPath = join(dir, `jwks-${Math.random().toString(36).slice(2)}.json`);
  writeFileSync(jwksPath, JSON.stringify({ keys: [publicKey] }));
  const authorizer = new Authorizer({
    config: parseConfig({ [AUTHORIZER_VARIABLES.jwksFile]: jwksPath, [AUTHORIZER_VARIABLES.rateLimitPerSecond]: "0" }),
    keySource: fileSource(jwksPath),
    logger: createLogger("info", { write: () => {} }),
    emfWrite: () => {},
  });
  await authorizer.keys.refresh("start");
  return authorizer;
}

function deleteBody(keys: number): Buffer {
  const objects = Array.from({ length: keys }, (_, i) => `<Object><Key>team/${String(i).padStart(4, "0")}.csv</Key></Object>`).join("");
  return Buffer.from(`<Delete>${objects}</Delete>`);
}

export async function runScaling(dir: string, quick: boolean): Promise<ScalingResults> {
  const timing = quick ? { rounds: 3, batchMs: 5 } : { rounds: 9, batchMs: 20 };
  const pair = await generateSigningKeyPair();
  const keyring = await buildKeyring({ keys: [pair.publicKey] });
  const policy = tokenPolicy();
  const authorizer = await authorizerFor(dir, pair.publicKey);
  const mint = (grants: string[], key = pair.privateKey) => mintToken({ key, subject: "bench", grants, ttlSeconds: 3600, issuer: "rajee", audience: "rajee" });

  const decideUs: Record<string, number> = {};
  const grantUs: Record<string, number> = {};
  const checkUs: Record<string, number> = {};
  const tokenChars: Record<string, number> = {};
  const decideFns: (() => unknown)[] = [];
  const grantFns: (() => unknown)[] = [];
  const checkFns: (() => unknown)[] = [];
  for (const count of GRANT_COUNTS) {
    const token = await mint(grantsOf(count));
    tokenChars[count] = token.length;
    // Each request carries its own copy of the token, as each HTTP request does: the same string
    // object every time would let comparisons stop at identity.
    const requests = Array.from({ length: 64 }, () => request(Buffer.from(token).toString("latin1"), "/data/reports/q1.csv"));
    let next = 0;
    const nextRequest = () => requests[next++ & 63] as GatewayRequest;
    const cache = new TokenCache(100);
    const context = (): DecisionContext => {
      const nowMs = Date.now();
      return { verify: cachedVerify({ cache, keyring, policy, nowMs, onLookup: () => {} }), classify: {}, now: new Date(nowMs) };
    };
    const first = await decide(nextRequest(), context());
    if (!first.allow) throw new Error(`scaling: the ${count}-grant request must be allowed: ${first.error.message}`);
    decideFns.push(() => decide(nextRequest(), context()));
    grantFns.push(() => authorizeClassified(first.request, first.token));
    checkFns.push(() => authorizer.check(nextRequest(), { requestId: "bench" }));
  }
  const [decideTimes, grantTimes, checkTimes] = [await interleavedPerCallUs(decideFns, timing), await interleavedPerCallUs(grantFns, timing), await interleavedPerCallUs(checkFns, timing)];
  GRANT_COUNTS.forEach((count, i) => {
    decideUs[count] = round(decideTimes[i] as number, 2);
    grantUs[count] = round(grantTimes[i] as number, 3);
    checkUs[count] = round(checkTimes[i] as number, 2);
  });

  const body = deleteBody(DELETE_KEYS);
  const deleteUs = async (grants: string[]) => {
    const token = await mint(grants);
    const req: GatewayRequest = { method: "POST", path: "/data?delete", headers: { host: "gw.example.com", "content-md5": "x", "x-amz-security-token": token }, body };
    const check = async () => {
      const response = await authorizer.check(req, { requestId: "bench" });
      if (response.status !== 200) throw new Error(`scaling: DeleteObjects answered ${response.status}: ${response.body}`);
    };
    await check();
    return round(await perCallUs(check, timing), 1);
  };
  const deleteObjects = {
    one_prefix_grant: await deleteUs(["delete:data/team/"]),
    grant_per_key: await deleteUs(Array.from({ length: DELETE_KEYS }, (_, i) => `delete:data/team/${String(i).padStart(4, "0")}.csv`)),
  };

  const verifyCached: Record<string, number> = {};
  const verifyUncached: Record<string, number> = {};
  for (const alg of ["EdDSA", "ES256"] as SigningAlgorithm[]) {
    const algPair = await generateSigningKeyPair(alg);
    const algKeyring = await buildKeyring({ keys: [algPair.publicKey] });
    const token = await mint(grantsOf(10), algPair.privateKey);
    const now = new Date();
    const cache = new TokenCache(100);
    const verify = cachedVerify({ cache, keyring: algKeyring, policy, nowMs: now.getTime(), onLookup: () => {} });
    const checked = await verify(token);
    if (!checked.ok) throw new Error(`scaling: ${alg} token must verify: ${checked.error.message}`);
    verifyCached[alg] = round(await perCallUs(() => verify(token), timing), 2);
    verifyUncached[alg] = round(await perCallUs(() => verifyToken(token, algKeyring, policy, now), timing), 1);
  }

  const signer = upstreamSigner({ host: "s3.eu-west-1.amazonaws.com", region: "eu-west-1" }, async () => ({ accessKeyId: "AKIDBENCH", secretAccessKey: "bench-secret", sessionToken: "bench-session" }));
  const allowed = await decide(request(await mint(grantsOf(10)), "/data/reports/q1.csv"), { verify: (t) => verifyToken(t, keyring, policy, new Date()), classify: {}, now: new Date() });
  if (!allowed.allow) throw new Error("scaling: the signing request must be allowed");
  const signingUs = round(await perCallUs(() => signer(allowed, { requestId: "bench", now: new Date() }), timing), 1);

  authorizer.stop();
  return {
    decide_us: decideUs,
    grant_check_us: grantUs,
    check_us: checkUs,
    token_chars: tokenChars,
    delete_objects_us: deleteObjects,
    verify_cached_us: verifyCached,
    verify_uncached_us: verifyUncached,
    upstream_signing_us: signingUs,
  };
}
