import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { parseConfig } from "../handlers/authorizer/config";
import { createLogger } from "../handlers/authorizer/logger";
import { Authorizer } from "../handlers/authorizer/service";
import { fileSource } from "../handlers/authorizer/text-source";
import { generateSigningKeyPair } from "../src/keys/generate";
import { DELETE_OBJECTS_MAX_BODY_BYTES } from "../src/s3/delete-objects";
import type { GatewayRequest } from "../src/s3/request";
import { mintToken } from "../src/token/mint";
import { round } from "./stats";
import { AUTHORIZER_VARIABLES } from "../src/contracts/authorizer-environment";

/** Both bodies are exactly this long: the DeleteObjects limit, the most an attacker can send. */
const BODY_BYTES = DELETE_OBJECTS_MAX_BODY_BYTES;
/** Target from the issue: the attack body may cost at most twice a valid body of the same size. */
const TARGET_RATIO = 2;

/** The body from the issue: one key of about 2 million '&', padded to exactly BODY_BYTES. */
export function attackBody(bytes = BODY_BYTES): Buffer {
  const open = "<Delete><Object><Key>";
  const close = "</Key></Object></Delete>";
  return Buffer.from(open + "&".repeat(bytes - open.length - close.length) + close);
}

/** A valid body of the same size: 1000 keys of 1000 bytes, then whitespace (allowed between elements). */
export function validBody(bytes = BODY_BYTES): Buffer {
  const objects = Array.from({ length: 1000 }, (_, i) => `<Object><Key>team/${String(i).padStart(4, "0")}-${"k".repeat(990)}</Key></Object>`).join("");
  const open = "<Delete>";
  const close = "</Delete>";
  const padding = bytes - open.length - objects.length - close.length;
  if (padding < 0) throw new Error("valid body does not fit");
  return Buffer.from(open + objects + " ".repeat(padding) + close);
}

/**
 * Median milliseconds per call of `fn`: calls are batched so a batch lasts at least 5 ms (cheap
 * checks are otherwise below the timer's noise), 15 batches after a warm-up batch.
 */
async function perCallMs(fn: () => Promise<unknown>): Promise<number> {
  const probe = process.hrtime.bigint();
  for (let i = 0; i < 3; i++) await fn();
  const oneMs = Number(process.hrtime.bigint() - probe) / 3e6;
  const batch = Math.max(1, Math.ceil(5 / Math.max(oneMs, 1e-4)));
  const times: number[] = [];
  for (let round = 0; round <= 15; round++) {
    const started = process.hrtime.bigint();
    for (let i = 0; i < batch; i++) await fn();
    if (round > 0) times.push(Number(process.hrtime.bigint() - started) / 1e6 / batch);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)] as number;
}

export interface DeleteObjectsResults {
  readonly body_bytes: number;
  /** Milliseconds per check, by case. */
  readonly cases: { readonly name: string; readonly ms: number }[];
  /** Attack over valid, without and with a token; target <= TARGET_RATIO. */
  readonly ratio_without_token: number;
  readonly ratio_with_token: number;
  readonly target_ratio: number;
  /** A legitimate GET judged while four attack checks are in flight, ms. */
  readonly legit_get_ms: { readonly behind: "anonymous" | "authenticated"; readonly median: number; readonly max: number }[];
}

/** Attack vs valid DeleteObjects bodies of the same size, in-process. */
export async function runDeleteObjects(dir: string): Promise<DeleteObjectsResults> {
  const pair = await generateSigningKeyPair();
  const jwksPath = join(dir, "delete-objects-jwks.json");
  writeFileSync(jwksPath, JSON.stringify({ keys: [pair.publicKey] }));
  const token = await mintToken({ key: pair.privateKey, subject: "bench", grants: ["delete:data/team/", "read:data/"], ttlSeconds: 3600, issuer: "rajee", audience: "rajee" });
  const authorizer = new Authorizer({
    config: parseConfig({ [AUTHORIZER_VARIABLES.jwksFile]: jwksPath, [AUTHORIZER_VARIABLES.rateLimitPerSecond]: "0" }),
    keySource: fileSource(jwksPath),
    logger: createLogger("info", { write: () => {} }),
  });
  await authorizer.keys.refresh("start");

  const attack = attackBody();
  const valid = validBody();
  if (attack.length !== BODY_BYTES || valid.length !== BODY_BYTES) throw new Error("bodies must both be exactly the limit");
  const deleteRequest = (body: Buffer, withToken: boolean): GatewayRequest => ({
    method: "POST",
    path: "/data?delete",
    headers: { host: "gw.example.com", "content-md5": "x", ...(withToken ? { "x-amz-security-token": token } : {}) },
    body,
  });
  const expectStatus = async (request: GatewayRequest, status: number) => {
    const response = await authorizer.check(request, { requestId: "bench" });
    if (response.status !== status) throw new Error(`expected ${status}, got ${response.status}: ${response.body}`);
  };
  const cases = [
    { name: "no token, attack body", request: deleteRequest(attack, false), status: 403 },
    { name: "no token, valid body", request: deleteRequest(valid, false), status: 403 },
    { name: "valid token, attack body (400 MalformedXML)", request: deleteRequest(attack, true), status: 400 },
    { name: "valid token, valid 1000-key body (200)", request: deleteRequest(valid, true), status: 200 },
  ];
  const timings: number[] = [];
  for (const c of cases) await expectStatus(c.request, c.status);
  for (const c of cases) timings.push(await perCallMs(() => expectStatus(c.request, c.status)));
  const [anonAttack, anonValid, authAttack, authValid] = timings as [number, number, number, number];

  // A legitimate GET judged while four attack checks are in flight (the issue: four pushed it past 1 s).
  const get: GatewayRequest = { method: "GET", path: "/data/team/a", headers: { host: "gw.example.com", "x-amz-security-token": token } };
  const legit: DeleteObjectsResults["legit_get_ms"][number][] = [];
  for (const [behind, request, status] of [["anonymous", cases[0]!.request, 403], ["authenticated", cases[2]!.request, 400]] as const) {
    const samples: number[] = [];
    for (let i = 0; i <= 15; i++) {
      const attacks = Array.from({ length: 4 }, () => expectStatus(request, status));
      const started = process.hrtime.bigint();
      await expectStatus(get, 200);
      const elapsed = Number(process.hrtime.bigint() - started) / 1e6;
      await Promise.all(attacks);
      if (i > 0) samples.push(elapsed);
    }
    samples.sort((a, b) => a - b);
    legit.push({ behind, median: round(samples[Math.floor(samples.length / 2)] as number, 3), max: round(samples[samples.length - 1] as number, 3) });
  }
  authorizer.stop();
  return {
    body_bytes: BODY_BYTES,
    cases: cases.map((c, i) => ({ name: c.name, ms: round(timings[i] as number, 3) })),
    ratio_without_token: round(anonAttack / anonValid, 2),
    ratio_with_token: round(authAttack / authValid, 2),
    target_ratio: TARGET_RATIO,
    legit_get_ms: legit,
  };
}
