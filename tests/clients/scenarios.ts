import { mkdir, readFile, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import type { RowId } from "./cells";
import { check, DENIED, fetchUrl, sha256 } from "./harness";

/**
 * The tasks of the matrix, written once against ClientOps (each client's adapter runs its own
 * commands) and checked against what S3 itself holds (read behind the gateway) and the stand-in's
 * records (a denied request must never reach S3).
 */

/** What one client can do, each as the client's own command with its default settings. */
export interface ClientOps {
  upload(file: string, key: string): Promise<void>;
  download(key: string, file: string): Promise<void>;
  /** Every key under `prefix` (recursive, all pages), as the client lists them. */
  list(prefix: string): Promise<string[]>;
  delete(key: string): Promise<void>;
  syncUp?(dir: string, prefix: string): Promise<void>;
  syncDown?(prefix: string, dir: string): Promise<void>;
  /** The object's size from a HEAD request. */
  head?(key: string): Promise<number>;
  /** Bytes first..last (inclusive) of the object, into `file`. */
  rangeGet?(key: string, first: number, last: number, file: string): Promise<void>;
  copy?(sourceKey: string, key: string): Promise<void>;
  /** The client's recursive or batch delete of everything under `prefix`. */
  deleteTree?(prefix: string): Promise<void>;
  /** A DeleteObjects of exactly these keys, where the client has one. */
  deleteKeys?(keys: string[]): Promise<void>;
  presignGet?(key: string): Promise<string>;
  presignPut?(key: string): Promise<string>;
  /** Upload to exactly this key (no file-name or directory rules applied). @default upload */
  putKey?(file: string, key: string): Promise<void>;
  /** Download exactly this key. @default download */
  getKey?(key: string, file: string): Promise<void>;
  /** Keys with `//` or ending in `/`: false when the client cannot name them. @default true */
  readonly slashKeys?: boolean;
  uploadWithMetadata?(file: string, key: string, metadata: Record<string, string>): Promise<void>;
}

/** S3 itself, read and written behind the gateway (no client, no authorizer in between). */
export interface BehindTheGateway {
  sha(key: string): Promise<string | undefined>;
  metadata(key: string): Promise<Record<string, string> | undefined>;
  put(key: string, body: Uint8Array | string): Promise<void>;
  /** The requests that have reached S3 so far and named a key, prefix or copy source outside the grant. */
  outsideRequests(): number;
}

export interface ScenarioContext {
  readonly ops: ClientOps;
  readonly s3: BehindTheGateway;
  /** The client's scratch directory. */
  readonly dir: string;
  /** Keys this client writes start with it: `team/<client>/`. */
  readonly prefix: string;
  readonly caPem: string;
  readonly payloads: { readonly empty: Buffer; readonly small: Buffer; readonly big: Buffer };
}

/** Objects the matrix puts in place before the clients run. */
export const FIXTURES = {
  /** 1,005 keys, so a full listing takes two pages of 1,000. */
  many: "team/many/",
  manyCount: 1005,
  nine: "team/fixtures/nine.bin",
  nineBytes: 9 * 1024 * 1024,
  /** Outside every grant of the token. */
  secret: "secret/fixture.txt",
} as const;

/** The grants of the matrix's token: everything under team/, nothing else. */
export const GRANTS = ["*:data/team/"];
export const BUCKET = "data";

/** The gateway's refusal of a metadata name the load balancer drops names the header; each client prints that message. */
const REFUSED_METADATA = /x-amz-meta-original_name/;

const SPECIAL_NAMES = ["with space.txt", "ünïcødé-日本語.txt", "sym+%~=&#?;.txt"];
const SLASH_KEYS = [{ name: "slashes//double.txt", empty: false }, { name: "slashes/trailing/", empty: true }];

async function file(ctx: ScenarioContext, name: string, bytes: Uint8Array): Promise<string> {
  const path = join(ctx.dir, name);
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, bytes);
  return path;
}

const fileSha = async (path: string) => sha256(await readFile(path));

async function roundTrip(ctx: ScenarioContext, name: string, bytes: Buffer): Promise<void> {
  const key = `${ctx.prefix}${name}`;
  await ctx.ops.upload(await file(ctx, `up/${name}`, bytes), key);
  check((await ctx.s3.sha(key)) === sha256(bytes), `S3 does not hold the uploaded bytes of ${key}`);
  const down = join(ctx.dir, `down/${name}`);
  await mkdir(dirname(down), { recursive: true });
  await ctx.ops.download(key, down);
  check((await fileSha(down)) === sha256(bytes), `the downloaded ${key} differs from what S3 holds`);
}

/**
 * Runs `attempt`, which must fail with a denial, and checks that no request naming something outside
 * the grant reached S3 meanwhile (a client command may also make allowed requests, such as a HEAD
 * of its destination inside the grant, and other clients may run at the same time).
 */
async function denied(ctx: ScenarioContext, what: string, attempt: () => Promise<unknown>): Promise<void> {
  const before = ctx.s3.outsideRequests();
  let failure: unknown;
  try {
    await attempt();
  } catch (error) {
    failure = error;
  }
  check(failure !== undefined, `${what} was allowed`);
  const message = failure instanceof Error ? failure.message : String(failure);
  check(DENIED.test(message), `${what} failed, but not with AccessDenied: ${message}`);
  check(ctx.s3.outsideRequests() === before, `${what} reached S3 (${ctx.s3.outsideRequests() - before} requests outside the grant)`);
}

async function presignedFetch(ctx: ScenarioContext, url: string, init: { method?: string; body?: Uint8Array } = {}) {
  const response = await fetchUrl(url, ctx.caPem, init);
  check(response.status === 200, `the presigned URL answered ${response.status}: ${response.body.toString("utf8").slice(0, 300)}`);
  return response.body;
}

type Scenario = (ctx: ScenarioContext) => Promise<void>;

/** Each row's scenario, or undefined when the client has no such feature (the cell is n/a). */
export function scenarioFor(row: RowId, ops: ClientOps): Scenario | undefined {
  const putKey = (path: string, key: string) => (ops.putKey ?? ops.upload).call(ops, path, key);
  const getKey = (key: string, path: string) => (ops.getKey ?? ops.download).call(ops, key, path);
  switch (row) {
    case "put-get-empty":
      return (ctx) => roundTrip(ctx, "empty.bin", ctx.payloads.empty);
    case "put-get-small":
      return (ctx) => roundTrip(ctx, "small.bin", ctx.payloads.small);
    case "put-get-50mib":
      return (ctx) => roundTrip(ctx, "big.bin", ctx.payloads.big);
    case "sync":
      if (!ops.syncUp || !ops.syncDown) return undefined;
      return async (ctx) => {
        const tree = { "a.txt": Buffer.from("a"), "sub/b.bin": ctx.payloads.small, "sub/deeper/c.txt": Buffer.from("c") };
        for (const [name, bytes] of Object.entries(tree)) await file(ctx, `tree-up/${name}`, bytes);
        await ops.syncUp!(join(ctx.dir, "tree-up"), `${ctx.prefix}tree/`);
        for (const [name, bytes] of Object.entries(tree)) check((await ctx.s3.sha(`${ctx.prefix}tree/${name}`)) === sha256(bytes), `S3 does not hold the synced ${name}`);
        const down = join(ctx.dir, "tree-down");
        await mkdir(down, { recursive: true });
        await ops.syncDown!(`${ctx.prefix}tree/`, down);
        for (const [name, bytes] of Object.entries(tree)) check((await fileSha(join(down, name))) === sha256(bytes), `the synced-down ${name} differs`);
      };
    case "list-1005":
      return async () => {
        const keys = await ops.list(FIXTURES.many);
        check(keys.length === FIXTURES.manyCount && new Set(keys).size === FIXTURES.manyCount, `listed ${keys.length} keys (${new Set(keys).size} distinct), not ${FIXTURES.manyCount}`);
        check(keys.every((k) => k.startsWith(FIXTURES.many)), "listed a key outside the prefix");
      };
    case "head":
      if (!ops.head) return undefined;
      return async (ctx) => {
        await ctx.s3.put(`${ctx.prefix}head.bin`, ctx.payloads.small);
        const size = await ops.head!(`${ctx.prefix}head.bin`);
        check(size === ctx.payloads.small.length, `head gave size ${size}, not ${ctx.payloads.small.length}`);
      };
    case "range-get":
      if (!ops.rangeGet) return undefined;
      return async (ctx) => {
        await ctx.s3.put(`${ctx.prefix}range.bin`, ctx.payloads.small);
        const out = join(ctx.dir, "range.part");
        await ops.rangeGet!(`${ctx.prefix}range.bin`, 100, 199, out);
        check((await fileSha(out)) === sha256(ctx.payloads.small.subarray(100, 200)), "the range differs from bytes 100-199");
      };
    case "copy-small":
      if (!ops.copy) return undefined;
      return async (ctx) => {
        await ctx.s3.put(`${ctx.prefix}copy-source.bin`, ctx.payloads.small);
        await ops.copy!(`${ctx.prefix}copy-source.bin`, `${ctx.prefix}copy-small.bin`);
        check((await ctx.s3.sha(`${ctx.prefix}copy-small.bin`)) === sha256(ctx.payloads.small), "S3 does not hold the copied bytes");
      };
    case "copy-9mib":
      if (!ops.copy) return undefined;
      return async (ctx) => {
        const expected = await ctx.s3.sha(FIXTURES.nine);
        await ops.copy!(FIXTURES.nine, `${ctx.prefix}copy-nine.bin`);
        check((await ctx.s3.sha(`${ctx.prefix}copy-nine.bin`)) === expected, "S3 does not hold the copied bytes");
      };
    case "delete":
      return async (ctx) => {
        await ctx.s3.put(`${ctx.prefix}delete-me.txt`, "delete me");
        await ops.delete(`${ctx.prefix}delete-me.txt`);
        check((await ctx.s3.sha(`${ctx.prefix}delete-me.txt`)) === undefined, "the object is still in S3");
      };
    case "batch-delete":
      if (!ops.deleteTree) return undefined;
      return async (ctx) => {
        const keys = ["one", "two", "sub/three"].map((k) => `${ctx.prefix}batch/${k}`);
        for (const key of keys) await ctx.s3.put(key, key);
        await ops.deleteTree!(`${ctx.prefix}batch/`);
        for (const key of keys) check((await ctx.s3.sha(key)) === undefined, `${key} is still in S3`);
      };
    case "presign-get":
      if (!ops.presignGet) return undefined;
      return async (ctx) => {
        await ctx.s3.put(`${ctx.prefix}presigned-get.bin`, ctx.payloads.small);
        const body = await presignedFetch(ctx, await ops.presignGet!(`${ctx.prefix}presigned-get.bin`));
        check(sha256(body) === sha256(ctx.payloads.small), "the presigned GET returned other bytes");
      };
    case "presign-put":
      if (!ops.presignPut) return undefined;
      return async (ctx) => {
        await presignedFetch(ctx, await ops.presignPut!(`${ctx.prefix}presigned-put.bin`), { method: "PUT", body: ctx.payloads.small });
        check((await ctx.s3.sha(`${ctx.prefix}presigned-put.bin`)) === sha256(ctx.payloads.small), "S3 does not hold the presigned PUT's bytes");
      };
    case "keys-special":
      return async (ctx) => {
        const keys = SPECIAL_NAMES.map((n) => `${ctx.prefix}keys/${n}`);
        const source = await file(ctx, "special-source.bin", ctx.payloads.small);
        for (const key of keys) await putKey(source, key);
        for (const key of keys) check((await ctx.s3.sha(key)) === sha256(ctx.payloads.small), `S3 does not hold ${JSON.stringify(key)}`);
        const listed = (await ops.list(`${ctx.prefix}keys/`)).sort();
        check(JSON.stringify(listed) === JSON.stringify([...keys].sort()), `listed ${JSON.stringify(listed)}`);
        for (const [i, key] of keys.entries()) {
          const out = join(ctx.dir, `special-${i}.down`);
          await getKey(key, out);
          check((await fileSha(out)) === sha256(ctx.payloads.small), `the downloaded ${JSON.stringify(key)} differs`);
        }
      };
    case "keys-slashes":
      if (ops.slashKeys === false) return undefined;
      return async (ctx) => {
        for (const { name, empty } of SLASH_KEYS) {
          const bytes = empty ? ctx.payloads.empty : ctx.payloads.small;
          const key = `${ctx.prefix}${name}`;
          await putKey(await file(ctx, `slash-${empty ? "empty" : "small"}.bin`, bytes), key);
          check((await ctx.s3.sha(key)) === sha256(bytes), `S3 does not hold ${JSON.stringify(key)}`);
          const out = join(ctx.dir, `slash-${empty ? "empty" : "small"}.down`);
          await getKey(key, out);
          check((await fileSha(out)) === sha256(bytes), `the downloaded ${JSON.stringify(key)} differs`);
        }
        const listed = (await ops.list(`${ctx.prefix}slashes/`)).sort();
        const expected = SLASH_KEYS.map((k) => `${ctx.prefix}${k.name}`).sort();
        check(JSON.stringify(listed) === JSON.stringify(expected), `listed ${JSON.stringify(listed)}, not ${JSON.stringify(expected)}`);
      };
    case "metadata-underscore":
      if (!ops.uploadWithMetadata) return undefined;
      // Refused with a message naming the header (src/s3/header-names.ts): in AWS the load balancer
      // would drop it, and the object would be stored without it, silently.
      return async (ctx) => {
        const key = `${ctx.prefix}with-metadata.txt`;
        let failure: unknown;
        try {
          await ops.uploadWithMetadata!(await file(ctx, "metadata.txt", Buffer.from("metadata")), key, { original_name: "report.csv" });
        } catch (error) {
          failure = error;
        }
        check(failure !== undefined, `the upload with metadata original_name was accepted; S3 holds metadata ${JSON.stringify(await ctx.s3.metadata(key))}`);
        const message = failure instanceof Error ? failure.message : String(failure);
        check(REFUSED_METADATA.test(message), `the upload failed, but without naming the header: ${message}`);
        check((await ctx.s3.sha(key)) === undefined, "an object was stored anyway");
      };
    case "denied-read":
      return async (ctx) => {
        await denied(ctx, "a download outside the grant", () => ops.download(FIXTURES.secret, join(ctx.dir, "stolen.txt")));
        if (ops.head) await denied(ctx, "a head outside the grant", () => ops.head!(FIXTURES.secret));
      };
    case "denied-write":
      return async (ctx) => {
        await denied(ctx, "an upload outside the grant", async () => ops.upload(await file(ctx, "intruder.txt", Buffer.from("intruder")), "secret/intruder.txt"));
        check((await ctx.s3.sha("secret/intruder.txt")) === undefined, "the object outside the grant was written");
      };
    case "denied-list":
      return (ctx) => denied(ctx, "a list outside the grant", () => ops.list("secret/"));
    case "denied-copy":
      if (!ops.copy) return undefined;
      return async (ctx) => {
        await denied(ctx, "a copy from outside the grant", () => ops.copy!(FIXTURES.secret, `${ctx.prefix}stolen.txt`));
        check((await ctx.s3.sha(`${ctx.prefix}stolen.txt`)) === undefined, "the copy from outside the grant was made");
      };
    case "denied-delete":
      return async (ctx) => {
        await denied(ctx, "a delete outside the grant", () => ops.delete(FIXTURES.secret));
        if (ops.deleteKeys) await denied(ctx, "a batch delete with one key outside the grant", () => ops.deleteKeys!([`${ctx.prefix}absent.txt`, FIXTURES.secret]));
        else if (ops.deleteTree) await denied(ctx, "a recursive delete outside the grant", () => ops.deleteTree!("secret/"));
        check((await ctx.s3.sha(FIXTURES.secret)) !== undefined, "the object outside the grant was deleted");
      };
    case "denied-presign":
      if (!ops.presignGet) return undefined;
      return async (ctx) => {
        await denied(ctx, "a presigned GET outside the grant", async () => {
          const response = await fetchUrl(await ops.presignGet!(FIXTURES.secret), ctx.caPem);
          if (response.status !== 200) throw new Error(`${response.status}: ${response.body.toString("utf8")}`);
        });
      };
  }
}
