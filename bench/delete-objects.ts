import { writeFileSync } from "node:fs";
import { Agent, request as httpRequest, type ClientRequest, type IncomingHttpHeaders, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import type { Logger } from "pino";
import { parseConfig } from "../handlers/authorizer/config";
import { createLogger } from "../handlers/authorizer/logger";
import { buildCheckServer } from "../handlers/authorizer/server";
import { Authorizer } from "../handlers/authorizer/service";
import { fileSource } from "../handlers/authorizer/text-source";
import { generateSigningKeyPair } from "../src/keys/generate";
import { DELETE_OBJECTS_MAX_BODY_BYTES } from "../src/s3/delete-objects";
import type { GatewayRequest } from "../src/s3/request";
import { mintToken } from "../src/token/mint";
import { round } from "./stats";
import { perCallUs, type NanoClock } from "./timing";
import { AUTHORIZER_VARIABLES } from "../src/contracts/authorizer-environment";

/** Both bodies are exactly this long: the DeleteObjects limit, the most an attacker can send. */
const BODY_BYTES = DELETE_OBJECTS_MAX_BODY_BYTES;
/** Target from the issue: the attack body may cost at most twice a valid body of the same size. */
const TARGET_RATIO = 2;
/** Timed rounds of the legitimate GET, after one warm-up round. */
const GET_ROUNDS = 15;
/** Attack checks in flight while the GET is judged (the issue: four pushed it past 1 s). */
const ATTACKS_IN_FLIGHT = 4;
/** The attack bodies are sent in chunks of this size; the last chunk of each goes with the GET. */
const CHUNK_BYTES = 64 * 1024;
/** Longest wait for the authorizer to receive the attacks before the round is refused. */
const IN_FLIGHT_WAIT_MS = 10_000;

/** How the contention is produced, published with the figures (`contention`). */
const CONTENTION =
  `over HTTP on 127.0.0.1 to the authorizer's check server (buildCheckServer) in the benchmark process: each round sends ${ATTACKS_IN_FLIGHT} attack ` +
  `DeleteObjects requests and hands all of each body but its last ${CHUNK_BYTES / 1024} KiB chunk to the socket; once the authorizer has received ` +
  `all ${ATTACKS_IN_FLIGHT} requests, the last chunks are sent and the GET right after them, so the GET reaches the authorizer as the attack ` +
  "bodies complete. The GET is timed from its submission to the end of its answer. A round in which the authorizer answered no attack " +
  "check between the GET's submission and its answer fails the section; how many it answered in that window is given with the figures.";

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

export interface DeleteObjectsResults {
  readonly body_bytes: number;
  /** Milliseconds per check, by case. */
  readonly cases: { readonly name: string; readonly ms: number }[];
  /** Attack over valid, without and with a token; target <= TARGET_RATIO. */
  readonly ratio_without_token: number;
  readonly ratio_with_token: number;
  readonly target_ratio: number;
  /** A legitimate GET judged while four attack checks are in flight, ms (over HTTP: see `contention`). */
  readonly legit_get_ms: {
    readonly behind: "anonymous" | "authenticated";
    readonly median: number;
    readonly max: number;
    /** Of the attack checks of the timed rounds (4 a round), how many the authorizer answered between the GET's submission and its answer: the ones the GET waited behind. */
    readonly attack_checks_answered_first: number;
    readonly attack_checks: number;
  }[];
  /** The same GET over the same path with nothing else in flight, ms: what the path costs on its own. */
  readonly legit_get_idle_ms: { readonly median: number; readonly max: number };
  /** How the attack checks were kept in flight while the GET was judged. */
  readonly contention: string;
  /** Set when `attack_checks_answered_first` counts only checks answered while the GET waited (absent in older results, which counted every check answered before the GET). */
  readonly counted_while_waiting?: true;
}

type LegitGetResults = Pick<DeleteObjectsResults, "legit_get_ms" | "legit_get_idle_ms">;

/** What legitGetUnderAttack measures with. */
export interface LegitGetProps {
  /** The authorizer whose check server judges the requests; its keys already loaded. */
  readonly authorizer: Authorizer;
  /** The check server's logger. */
  readonly logger: Logger;
  /** A token that may read `data/team/a` and delete under `data/team/`. */
  readonly token: string;
  /** The attack body, longer than one chunk. @default attackBody() */
  readonly attack?: Buffer;
  /** Timed rounds, after a warm-up round. @default 15 */
  readonly rounds?: number;
  /** The clock the GET is timed with. @default process.hrtime.bigint */
  readonly clock?: NanoClock;
}

/** What the check server has seen of the current round, from its own `request` events (read, never answered). */
class RoundWatch {
  private readonly attacks: ServerResponse[] = [];
  /** Attack checks answered when the GET was, once it has been. */
  attacksAnsweredBeforeGet: number | undefined;

  get attacksReceived(): number {
    return this.attacks.length;
  }

  /** Attack checks whose answer the server has ended (written or queued for the socket). */
  get attacksAnswered(): number {
    return this.attacks.filter((res) => res.writableEnded).length;
  }

  received(req: IncomingMessage, res: ServerResponse): void {
    if (req.method === "POST") this.attacks.push(res);
    else if (res.writableEnded) this.attacksAnsweredBeforeGet = this.attacksAnswered;
    else res.on("finish", () => (this.attacksAnsweredBeforeGet ??= this.attacksAnswered));
  }
}

/** The authorizer's real check server on 127.0.0.1, watched: which attack checks it has received and answered. */
async function watchedCheckServer(authorizer: Authorizer, logger: Logger): Promise<{ server: Server; port: number; newRound: () => RoundWatch }> {
  const server = buildCheckServer(authorizer, logger);
  // Listens after the server's own handler, so a GET answered in its turn is already ended here.
  let round = new RoundWatch();
  server.on("request", (req: IncomingMessage, res: ServerResponse) => round.received(req, res));
  await new Promise<void>((resolve, reject) => server.once("error", reject).listen(0, "127.0.0.1", () => resolve()));
  const newRound = () => (round = new RoundWatch());
  return { server, port: (server.address() as AddressInfo).port, newRound };
}

/** One request to the check server; `answered` settles with its status once the answer has been read. */
function send(agent: Agent, port: number, method: string, path: string, headers: IncomingHttpHeaders): { req: ClientRequest; answered: Promise<number> } {
  const req = httpRequest({ agent, host: "127.0.0.1", port, method, path, headers });
  const answered = new Promise<number>((resolve, reject) => {
    req.on("response", (res) => {
      res.on("end", () => resolve(res.statusCode ?? 0)).resume();
      res.on("error", reject);
    });
    req.on("error", reject);
  });
  return { req, answered };
}

/** Resolves once `ready()` holds, checked every event-loop turn; fails after IN_FLIGHT_WAIT_MS. */
async function until(ready: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + IN_FLIGHT_WAIT_MS;
  while (!ready()) {
    if (Date.now() > deadline) throw new Error(`delete-objects: ${what} within ${IN_FLIGHT_WAIT_MS} ms`);
    await new Promise((resolve) => setImmediate(resolve));
  }
}

const summary = (samples: number[]) => {
  const sorted = [...samples].sort((a, b) => a - b);
  return { median: round(sorted[Math.floor(sorted.length / 2)] as number, 3), max: round(sorted[sorted.length - 1] as number, 3) };
};

/**
 * A legitimate GET timed from its submission while four attack DeleteObjects checks are in flight,
 * over HTTP to the authorizer's check server (see CONTENTION), behind anonymous and authenticated
 * attack bodies; and the same GET with nothing in flight. Throws when a round's attacks were not in
 * flight at the authorizer when the GET was sent: the figure must never time an idle authorizer.
 */
export async function legitGetUnderAttack(props: LegitGetProps): Promise<LegitGetResults> {
  const attack = props.attack ?? attackBody();
  const rounds = props.rounds ?? GET_ROUNDS;
  const clock = props.clock ?? process.hrtime.bigint;
  if (attack.length <= CHUNK_BYTES) throw new Error(`delete-objects: the attack body (${attack.length} bytes) must be longer than one chunk (${CHUNK_BYTES})`);
  const { server, port, newRound } = await watchedCheckServer(props.authorizer, props.logger);
  const agent = new Agent({ keepAlive: true, maxSockets: ATTACKS_IN_FLIGHT + 1 });
  const getOnce = async () => {
    const started = clock();
    const get = send(agent, port, "GET", "/data/team/a", { host: "gw.example.com", "x-amz-security-token": props.token });
    get.req.end();
    const status = await get.answered;
    const ms = Number(clock() - started) / 1e6;
    if (status !== 200) throw new Error(`delete-objects: the legitimate GET was answered ${status}`);
    return ms;
  };
  const last = attack.length - CHUNK_BYTES;
  /** Sends all of the body but its last chunk; resolves once that much is handed to the socket. */
  const sendAllButLast = (req: ClientRequest) =>
    new Promise<void>((resolve, reject) => {
      for (let at = 0; at < last; at += CHUNK_BYTES) {
        const end = Math.min(at + CHUNK_BYTES, last);
        if (end === last) req.write(attack.subarray(at, end), (error) => (error ? reject(error) : resolve()));
        else req.write(attack.subarray(at, end));
      }
    });
  try {
    const idle: number[] = [];
    for (let i = 0; i <= rounds; i++) {
      const ms = await getOnce();
      if (i > 0) idle.push(ms);
    }
    const legit: DeleteObjectsResults["legit_get_ms"][number][] = [];
    for (const [behind, withToken, status] of [["anonymous", false, 403], ["authenticated", true, 400]] as const) {
      const headers = { host: "gw.example.com", "content-md5": "x", "content-length": String(attack.length), ...(withToken ? { "x-amz-security-token": props.token } : {}) };
      const samples: number[] = [];
      let answeredFirst = 0;
      for (let i = 0; i <= rounds; i++) {
        const watch = newRound();
        const attacks = Array.from({ length: ATTACKS_IN_FLIGHT }, () => send(agent, port, "POST", "/data?delete", headers));
        await Promise.all(attacks.map(({ req }) => sendAllButLast(req)));
        await until(() => watch.attacksReceived === ATTACKS_IN_FLIGHT, `the authorizer did not receive the ${ATTACKS_IN_FLIGHT} attack requests`);
        for (const { req } of attacks) req.end(attack.subarray(last));
        // Attack checks already answered now did not hold the GET up: only those answered between its submission and its answer count.
        const answeredAtSubmission = watch.attacksAnswered;
        const ms = await getOnce();
        const statuses = await Promise.all(attacks.map((a) => a.answered));
        if (statuses.some((s) => s !== status)) throw new Error(`delete-objects: attack checks answered ${statuses.join(", ")}, expected ${status}`);
        const waitedBehind = (watch.attacksAnsweredBeforeGet ?? 0) - answeredAtSubmission;
        // The evidence that the GET waited. None would mean the figure timed an idle authorizer.
        if (waitedBehind <= 0) {
          throw new Error(`delete-objects: round ${i}: no attack check was answered between the GET's submission and its answer (${answeredAtSubmission} of ${ATTACKS_IN_FLIGHT} already answered), so it did not wait behind them; the figure would time an idle authorizer`);
        }
        if (i > 0) {
          samples.push(ms);
          answeredFirst += waitedBehind;
        }
      }
      legit.push({ behind, ...summary(samples), attack_checks_answered_first: answeredFirst, attack_checks: ATTACKS_IN_FLIGHT * rounds });
    }
    return { legit_get_ms: legit, legit_get_idle_ms: summary(idle) };
  } finally {
    agent.destroy();
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
}

/** Attack vs valid DeleteObjects bodies of the same size, in-process; and a legitimate GET behind attacks, over HTTP. */
export async function runDeleteObjects(dir: string): Promise<DeleteObjectsResults> {
  const pair = await generateSigningKeyPair();
  const jwksPath = join(dir, "delete-objects-jwks.json");
  writeFileSync(jwksPath, JSON.stringify({ keys: [pair.publicKey] }));
  const token = await mintToken({ key: pair.privateKey, subject: "bench", grants: ["delete:data/team/", "read:data/"], ttlSeconds: 3600, issuer: "rajee", audience: "rajee" });
  const logger = createLogger("info", { write: () => {} });
  const authorizer = new Authorizer({
    config: parseConfig({ [AUTHORIZER_VARIABLES.jwksFile]: jwksPath, [AUTHORIZER_VARIABLES.rateLimitPerSecond]: "0" }),
    keySource: fileSource(jwksPath),
    logger,
  });
  try {
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
    // Median of 15 batches of at least 5 ms after a warm-up batch (bench/timing.ts).
    for (const c of cases) timings.push((await perCallUs(() => expectStatus(c.request, c.status), { rounds: 15, batchMs: 5 })) / 1000);
    const [anonAttack, anonValid, authAttack, authValid] = timings as [number, number, number, number];
    const legit = await legitGetUnderAttack({ authorizer, logger, token, attack });
    return {
      body_bytes: BODY_BYTES,
      cases: cases.map((c, i) => ({ name: c.name, ms: round(timings[i] as number, 3) })),
      ratio_without_token: round(anonAttack / anonValid, 2),
      ratio_with_token: round(authAttack / authValid, 2),
      target_ratio: TARGET_RATIO,
      ...legit,
      contention: CONTENTION,
      counted_while_waiting: true,
    };
  } finally {
    authorizer.stop();
  }
}
