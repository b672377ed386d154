import { parseConfig } from "../handlers/authorizer/config";
import { cachedVerify } from "../handlers/authorizer/cached-verify";
import { createLogger } from "../handlers/authorizer/logger";
import { Authorizer } from "../handlers/authorizer/service";
import { TokenCache } from "../handlers/authorizer/token-cache";
import { fileSource } from "../handlers/authorizer/text-source";
import { upstreamSigner } from "../handlers/authorizer/upstream-signing";
import { AUTHORIZER_VARIABLES } from "../src/contracts/authorizer-environment";
import { authorizeClassified, decide, type DecisionContext } from "../src/decision";
import { generateSigningKeyPair, type GeneratedKeyPair } from "../src/keys/generate";
import type { SigningAlgorithm } from "../src/keys/jwks";
import { buildKeyring } from "../src/keys/keyring";
import type { GatewayRequest } from "../src/s3/request";
import type { SignedRequest } from "../src/sigv4/verify";
import { mintToken } from "../src/token/mint";
import { tokenPolicy } from "../src/token/policy";
import { verifyToken } from "../src/token/verify";
import { grantsOf, HTTP_TOKEN_GRANTS } from "./grants";
import { boundClient, headerSignedGet, presignedGet, type BoundClient } from "./bound-client";
import { BENCH_S3_REGION, BENCH_TASK_ROLE } from "./processes";
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
  /**
   * `Authorizer.check` on a token-cache hit of a GET under a token of CLIENT_SIGNATURE_GRANTS grants:
   * a bearer token (RAJEE_CLIENT_SIGNATURES when-bound, no client signature), and a bound token signed
   * by the client (`required`, as staging and prod run: the sealed secret opened once per cached token,
   * the client's SigV4 signature verified on every check). Both authorizers hold the same binding keys.
   * Absent from results measured before it existed.
   */
  readonly client_signature_us?: ClientSignatureUs;
}

/** Microseconds per `Authorizer.check` on a cache hit, by how the client presents its token. */
export interface ClientSignatureUs {
  /** Grants in both tokens (the last one matching). */
  readonly token_grants: number;
  /** Bearer token in `x-amz-security-token`, no signature. */
  readonly bearer: number;
  /** Bound token, SigV4 in the Authorization header (the SDKs' and CLIs' usual request). */
  readonly bound_header_signed: number;
  /** Bound token, SigV4 in the query (a presigned URL). */
  readonly bound_presigned: number;
}

/** Grants of the client-signature comparison: as the HTTP section's token (the last matching). */
const CLIENT_SIGNATURE_GRANTS = HTTP_TOKEN_GRANTS;
/** Host of every request here (signed, in the bound ones). */
const HOST = "gw.example.com";

const request = (token: string, path: string): GatewayRequest => ({ method: "GET", path, headers: { host: HOST, "x-amz-security-token": token } });

/**
 * `count` copies of `request` whose header values and target are new string objects each, as each
 * HTTP request's are: the same string object every time would let comparisons stop at identity.
 */
function freshCopies(request: GatewayRequest, count: number): GatewayRequest[] {
  const copy = (text: string) => Buffer.from(text, "latin1").toString("latin1");
  return Array.from({ length: count }, () => ({
    ...request,
    path: copy(request.path),
    headers: Object.fromEntries(Object.entries(request.headers).map(([name, value]) => [name, typeof value === "string" ? copy(value) : value])),
  }));
}

/** The authorizer with the client's binding keys loaded (started: polling, until `stop`), in `mode`. */
async function signatureAuthorizerFor(dir: string, publicKey: object, client: BoundClient, mode: "required" | "when-bound"): Promise<Authorizer> {
  const jwksPath = join(dir, `jwks-${Math.random().toString(36).slice(2)}.json`);
  writeFileSync(jwksPath, JSON.stringify({ keys: [publicKey] }));
  const authorizer = new Authorizer({
    config: parseConfig({
      [AUTHORIZER_VARIABLES.jwksFile]: jwksPath,
      [AUTHORIZER_VARIABLES.rateLimitPerSecond]: "0",
      [AUTHORIZER_VARIABLES.clientSignatures]: mode,
      [AUTHORIZER_VARIABLES.bindingKeysFile]: client.bindingKeysPath,
    }),
    keySource: fileSource(jwksPath),
    logger: createLogger("info", { write: () => {} }),
    emfWrite: () => {},
  });
  await authorizer.start();
  const { ready, problems } = authorizer.ready();
  if (!ready) {
    authorizer.stop();
    throw new Error(`scaling: the ${mode} authorizer is not ready: ${problems.join("; ")}`);
  }
  return authorizer;
}

/**
 * `Authorizer.check` on a cache hit: bearer (when-bound) against a bound token's header-signed and
 * presigned GETs (required), measured interleaved. Each request is signed once and replayed, as the
 * HTTP section's wrk run replays its one: valid within the verifier's clock skew (header) or the
 * URL's expiry (presigned), and checked allowed before and after the timing.
 */
async function measureClientSignatures(dir: string, pair: GeneratedKeyPair, timing: { rounds: number; batchMs: number }): Promise<ClientSignatureUs> {
  const grants = grantsOf(CLIENT_SIGNATURE_GRANTS);
  const path = "/data/reports/q1.csv";
  const client = await boundClient(dir, pair.privateKey, grants);
  const bearerToken = await mintToken({ key: pair.privateKey, subject: "bench", grants, ttlSeconds: 3600, issuer: "rajee", audience: "rajee" });
  const header = await headerSignedGet(client, HOST, path);
  const presigned = await presignedGet(client, HOST, path);
  const asChecked = (signed: SignedRequest): GatewayRequest => ({ method: signed.method, path: signed.target, headers: signed.headers });
  const bearerAuthorizer = await signatureAuthorizerFor(dir, pair.publicKey, client, "when-bound");
  const boundAuthorizer = await signatureAuthorizerFor(dir, pair.publicKey, client, "required");
  try {
    const cases: [string, Authorizer, GatewayRequest][] = [
      ["bearer", bearerAuthorizer, request(bearerToken, path)],
      ["bound header-signed", boundAuthorizer, asChecked(header)],
      ["bound presigned", boundAuthorizer, asChecked(presigned)],
    ];
    const fns: (() => unknown)[] = [];
    const mustAllow = async () => {
      for (const [name, authorizer, req] of cases) {
        const response = await authorizer.check(req, { requestId: "bench" });
        if (response.status !== 200) throw new Error(`scaling: the ${name} GET must be allowed, got ${response.status}: ${response.body}`);
      }
    };
    // The first check of each fills the token cache (and opens the bound token's sealed secret).
    await mustAllow();
    for (const [, authorizer, req] of cases) {
      const requests = freshCopies(req, 64);
      let next = 0;
      fns.push(() => authorizer.check(requests[next++ & 63] as GatewayRequest, { requestId: "bench" }));
    }
    const [bearer, boundHeader, boundPresigned] = await interleavedPerCallUs(fns, timing);
    // Still allowed after the run: the figures are of allowed checks, not of refusals.
    await mustAllow();
    return { token_grants: CLIENT_SIGNATURE_GRANTS, bearer: round(bearer as number, 2), bound_header_signed: round(boundHeader as number, 2), bound_presigned: round(boundPresigned as number, 2) };
  } finally {
    bearerAuthorizer.stop();
    boundAuthorizer.stop();
  }
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

  const signer = upstreamSigner({ host: `s3.${BENCH_S3_REGION}.amazonaws.com`, region: BENCH_S3_REGION }, async () => BENCH_TASK_ROLE);
  const allowed = await decide(request(await mint(grantsOf(10)), "/data/reports/q1.csv"), { verify: (t) => verifyToken(t, keyring, policy, new Date()), classify: {}, now: new Date() });
  if (!allowed.allow) throw new Error("scaling: the signing request must be allowed");
  const signingUs = round(await perCallUs(() => signer(allowed, { requestId: "bench", now: new Date() }), timing), 1);
  const clientSignatureUs = await measureClientSignatures(dir, pair, timing);

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
    client_signature_us: clientSignatureUs,
  };
}
