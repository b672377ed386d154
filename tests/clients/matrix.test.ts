import { randomBytes } from "node:crypto";
import { appendFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { GetObjectCommand, HeadObjectCommand, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { LOCAL_REGION } from "../../bin/dev/local-gateway";
import type { StandInRecord } from "../../bin/dev/s3-standin";
import { startGatewayFixture, type GatewayFixture } from "../support/local-gateway";
import { motoSetup } from "../support/moto";
import { TempDirs } from "../support/temp";
import { awsCliOps } from "./adapters/aws-cli";
import { boto3Ops } from "./adapters/boto3";
import { rcloneOps } from "./adapters/rclone";
import { s3cmdOps } from "./adapters/s3cmd";
import { sdkV3Ops } from "./adapters/sdk-v3";
import type { AdapterSetup } from "./adapters/setup";
import { CLIENTS, ROWS, cellKey, type CellResult, type ClientId } from "./cells";
import { findClients } from "./clients";
import { comparable, documentedStatuses, extractSection, renderSection, replaceSection } from "./doc";
import { sha256, summarize } from "./harness";
import { NOTES, noteStatus } from "./notes";
import { BUCKET, FIXTURES, GRANTS, scenarioFor, type BehindTheGateway, type ClientOps, type ScenarioContext } from "./scenarios";

/**
 * The client matrix: each common S3 client, with its default settings and only what a user must
 * configure, does each task of ROWS through the local gateway (moto behind the verifying layer, the
 * real authorizer, the Envoy emulator over HTTPS). Each cell must have the status docs/clients.md
 * gives it, and the table this run renders (.build/clients.md) must equal the committed one; run
 * `npm run clients:doc` to regenerate the doc after a change. Run by `npm run test:clients`
 * (RAJEE_CLIENT_TESTS=1): it takes minutes, so plain `npm test` skips it.
 */
const ROOT = join(__dirname, "../..");
const DOC = join(ROOT, "docs/clients.md");
const ENABLED = process.env.RAJEE_CLIENT_TESTS === "1";
const WRITE_DOC = process.env.RAJEE_CLIENTS_DOC === "write";
/** One line per cell as it finishes, for following a run (jest prints only at the end). */
const PROGRESS = join(ROOT, ".build/clients-progress.log");
if (!ENABLED) console.warn("SKIPPED the client matrix: it runs with npm run test:clients (RAJEE_CLIENT_TESTS=1), minutes long");
const moto = ENABLED ? motoSetup() : { ok: false as const };
const describeMatrix = ENABLED && moto.ok ? describe : describe.skip;
const found = ENABLED ? findClients() : undefined;

/**
 * How many clients run at once (RAJEE_CLIENT_CONCURRENCY, default 2). Their tasks touch disjoint
 * prefixes, and a denied twin counts only requests naming something outside the grant, which no
 * other client's allowed task sends.
 */
const CONCURRENCY = Math.max(1, Number(process.env.RAJEE_CLIENT_CONCURRENCY ?? "2") || 2);
const dirs = new TempDirs();
const results = new Map<string, CellResult>();
const documented = documentedStatuses(extractSection(existsSync(DOC) ? readFileSync(DOC, "utf8") : "") ?? "");
let fx: GatewayFixture;
let token: string;
let behind: S3Client;
const payloads = { empty: Buffer.alloc(0), small: randomBytes(1024), big: randomBytes(50 * 1024 * 1024) };

/** Whether a request that reached S3 named a key, list prefix or copy source outside team/ (the grant). */
function namesOutside(record: StandInRecord): boolean {
  const decode = (text: string) => {
    try {
      return decodeURIComponent(text.replace(/\+/g, " "));
    } catch {
      return text;
    }
  };
  const url = new URL(record.target, "http://s3");
  const key = decode(url.pathname).slice(`/${BUCKET}/`.length);
  const prefix = url.searchParams.get("prefix");
  const outside = (name: string) => !name.startsWith("team/");
  if (key !== "" && outside(key)) return true;
  // Bucket-level: a bucket write, or a list of a prefix outside the grant. HeadBucket and
  // GetBucketLocation need any grant on the bucket, so they are inside. A DeleteObjects (POST
  // ?delete) names its keys in a body the records do not keep, and another client's allowed batch
  // delete may run meanwhile; the denied batch delete is caught by the object outside the grant
  // still being there afterwards (scenarios.ts).
  if (key === "" && record.method === "PUT") return true;
  if (key === "" && record.method === "GET" && !url.searchParams.has("location") && (prefix === null || outside(prefix))) return true;
  return record.copySource !== undefined && !decode(record.copySource).replace(/^\//, "").startsWith(`${BUCKET}/team/`);
}

function behindTheGateway(): BehindTheGateway {
  const missing = (error: unknown) => ["NoSuchKey", "NotFound"].includes((error as { name?: string }).name ?? "");
  return {
    async sha(key) {
      try {
        const got = await behind.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }));
        return sha256(await got.Body!.transformToByteArray());
      } catch (error) {
        if (missing(error)) return undefined;
        throw error;
      }
    },
    async metadata(key) {
      try {
        return (await behind.send(new HeadObjectCommand({ Bucket: BUCKET, Key: key }))).Metadata;
      } catch (error) {
        if (missing(error)) return undefined;
        throw error;
      }
    },
    put: async (key, body) => void (await behind.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: body }))),
    outsideRequests: () => fx.gateway.standIn.records.filter(namesOutside).length,
  };
}

/** Runs every task of one client, in order, recording each cell's result. */
async function runColumn(client: ClientId, path: string): Promise<void> {
  const dir = dirs.make(`clients-${client}`);
  const caFile = join(dir, "gateway-ca.pem");
  writeFileSync(caFile, fx.gateway.caCertificate);
  const setup: AdapterSetup = { gatewayUrl: fx.gateway.url, caFile, caPem: fx.gateway.caCertificate, token, region: LOCAL_REGION, dir };
  let ops: ClientOps;
  let close = () => {};
  if (client === "sdk-v3") ({ ops, close } = sdkV3Ops(setup));
  else if (client === "boto3") ({ ops, close } = boto3Ops(path, setup));
  else ops = { "aws-cli-v2": awsCliOps, "aws-cli-v1": awsCliOps, rclone: rcloneOps, s3cmd: s3cmdOps }[client](path, setup);
  const ctx: ScenarioContext = { ops, s3: behindTheGateway(), dir, prefix: `team/${client}/`, caPem: fx.gateway.caCertificate, payloads };
  try {
    for (const row of ROWS) {
      const key = cellKey(client, row.id);
      const started = Date.now();
      const scenario = scenarioFor(row.id, ops);
      let result: CellResult = { status: "n/a" };
      if (scenario) {
        try {
          await scenario(ctx);
          result = { status: "pass" };
        } catch (error) {
          result = { status: "fail", error: summarize(error) };
        }
      }
      results.set(key, result);
      appendFileSync(PROGRESS, `${key}: ${result.status}${result.error ? ` (${result.error})` : ""} ${Date.now() - started} ms\n`);
    }
  } finally {
    close();
  }
}

describeMatrix("S3 clients through the local gateway, with their defaults", () => {
  beforeAll(async () => {
    mkdirSync(join(ROOT, ".build"), { recursive: true });
    writeFileSync(PROGRESS, "");
    fx = await startGatewayFixture([BUCKET]);
    token = await fx.mint(GRANTS, "client-matrix");
    behind = new S3Client({ endpoint: fx.gateway.standIn.motoUrl, region: LOCAL_REGION, forcePathStyle: true, credentials: { accessKeyId: "setup", secretAccessKey: "setup" }, requestChecksumCalculation: "WHEN_REQUIRED" });
    const s3 = behindTheGateway();
    const keys = Array.from({ length: FIXTURES.manyCount }, (_, i) => `${FIXTURES.many}${String(i).padStart(4, "0")}.txt`);
    for (let i = 0; i < keys.length; i += 100) await Promise.all(keys.slice(i, i + 100).map((key) => s3.put(key, key)));
    await s3.put(FIXTURES.nine, randomBytes(FIXTURES.nineBytes));
    await s3.put(FIXTURES.secret, "outside the grant");
    // The columns run CONCURRENCY at a time, each client's tasks in order; the tests below assert.
    const queue = CLIENTS.filter((c) => found![c.id].ok);
    const worker = async () => {
      for (let client = queue.shift(); client; client = queue.shift()) await runColumn(client.id, (found![client.id] as { path: string }).path);
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  }, 1_500_000);
  afterAll(async () => {
    behind?.destroy();
    await fx?.stop();
    dirs.removeAll();
  });

  it("finds every client of the matrix (CI installs them; elsewhere a missing one skips and says why)", () => {
    const missing = CLIENTS.flatMap((c) => (found![c.id].ok ? [] : [`${c.label}: ${(found![c.id] as { reason: string }).reason}`]));
    for (const line of missing) console.warn(`SKIPPED ${line}`);
    if (process.env.CI === "true") expect(missing).toEqual([]);
  });

  for (const client of CLIENTS) {
    const describeClient = found?.[client.id].ok ? describe : describe.skip;
    describeClient(client.label, () => {
      for (const row of ROWS) {
        const key = cellKey(client.id, row.id);
        it(`${row.label}: as docs/clients.md says`, () => {
          const result = results.get(key);
          expect(result).toBeDefined();
          if (WRITE_DOC || !result) return;
          const expected = documented.get(key) ?? "not in the doc";
          if (result.status !== expected) {
            throw new Error(`${key}: docs/clients.md says ${expected}, this run: ${result.status}${result.error ? ` (${result.error})` : ""}. Fix the regression, or run npm run clients:doc and explain the cell in tests/clients/notes.ts`);
          }
        });
      }
    });
  }

  it("renders the table committed in docs/clients.md (npm run clients:doc rewrites it)", () => {
    const versions = Object.fromEntries(CLIENTS.map((c) => [c.id, found![c.id].ok ? (found![c.id] as { version: string }).version : "missing"])) as Record<ClientId, string>;
    const section = renderSection(results, versions);
    mkdirSync(join(ROOT, ".build"), { recursive: true });
    writeFileSync(join(ROOT, ".build/clients.md"), `${section}\n`);
    if (results.size < CLIENTS.length * ROWS.length) {
      console.warn(`SKIPPED the table comparison: ${CLIENTS.length * ROWS.length - results.size} cells did not run (a client is missing)`);
      return;
    }
    const stale = Object.entries(NOTES).flatMap(([key, note]) => (results.get(key)?.status === noteStatus(note) ? [] : [`${key}: ${results.get(key)?.status}`]));
    if (stale.length > 0) console.warn(`notes in tests/clients/notes.ts that no longer match their cell (remove or update them):\n${stale.join("\n")}`);
    const doc = readFileSync(DOC, "utf8");
    if (WRITE_DOC) {
      writeFileSync(DOC, replaceSection(doc, section));
      return;
    }
    expect(comparable(extractSection(doc) ?? "(no table in docs/clients.md)")).toBe(comparable(section));
    expect(stale).toEqual([]);
  });
});
