import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { decide, type DecisionContext } from "../../src/decision";
import { buildKeyring } from "../../src/keys/keyring";
import { requestFromUrl, summarizeDecision } from "../../bin/commands/simulation";
import { tokenPolicy } from "../../src/token/policy";
import { verifyToken } from "../../src/token/verify";
import { rajee } from "../support/cli";
import { concreteRequest, copySourceAsS3ReadsIt, isCanonicallyEncoded, loadCorpus, singleValued, type ConcreteRequest, type CorpusCase } from "./support/corpus";
import { signingKeys, type SigningKeys } from "./support/tokens";

/**
 * The corpus through `simulate`: the library functions behind `rajee simulate` case by case, cases
 * with repeated headers through the command (one -H per value), and every other case once more
 * through `rajee simulate --batch`.
 */

const NOW = new Date(Date.UTC(2030, 0, 1, 12, 0, 0));
const DOMAIN = "gw.example.com";
const cases = loadCorpus();

let keys: SigningKeys;
let context: DecisionContext;
let dir: string;
let jwksFile: string;

beforeAll(async () => {
  keys = await signingKeys();
  const keyring = await buildKeyring({ keys: [keys.trusted.publicKey] });
  context = { verify: (token) => verifyToken(token, keyring, tokenPolicy(), NOW), classify: { virtualHostDomain: DOMAIN }, now: NOW };
  dir = await mkdtemp(join(tmpdir(), "rajee-security-"));
  jwksFile = join(dir, "jwks.json");
  await writeFile(jwksFile, JSON.stringify({ keys: [keys.trusted.publicKey] }));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

interface SimulateOutput {
  readonly allow: boolean;
  readonly status: number;
  readonly code: string;
  readonly message: string;
  /** The upstream request, when simulate prints it. */
  readonly upstream?: { readonly method?: string; readonly path?: string; readonly headers?: Record<string, string>; readonly signedHeaders?: readonly string[]; readonly clientHeadersRemoved?: readonly string[] };
}

const baseArgs = () => ["simulate", "--jwks", jwksFile, "--now", NOW.toISOString(), "--domain", DOMAIN];

/** One case through the command line, each repeated header value as its own -H. */
async function throughCommand(request: ConcreteRequest): Promise<SimulateOutput> {
  const args = [...baseArgs(), "--method", request.method, "--url", request.url];
  for (const [name, value] of Object.entries(request.headers)) for (const v of [value].flat()) args.push("-H", `${name}: ${v}`);
  if (request.body !== undefined) {
    const bodyFile = join(dir, "body.xml");
    await writeFile(bodyFile, request.body);
    args.push("--body", bodyFile);
  }
  const run = await rajee(args);
  if (run.code !== 0) return { allow: false, status: -1, code: `exit ${run.code}`, message: run.stderr };
  return JSON.parse(run.stdout.trim()) as SimulateOutput;
}

describe("security corpus through simulate", () => {
  it("holds at least 200 cases, about 20 of them replaying named public advisories", () => {
    expect(cases.length).toBeGreaterThanOrEqual(200);
    const advisories = cases.filter((c) => c.advisory !== undefined);
    expect(advisories.length).toBeGreaterThanOrEqual(20);
    for (const c of advisories) expect(c.name).toContain(c.advisory!.id.replace(/^[a-z]+#/i, ""));
  });

  it.each(cases.map((c) => [c.name, c] as const))("%s", async (_name, c: CorpusCase) => {
    const request = await concreteRequest(c, keys, NOW);
    let output: SimulateOutput;
    let judged: { upstreamPath: string; copySource?: string } | undefined;
    if (c.repeatedHeaders) {
      output = await throughCommand(request);
    } else {
      const built = requestFromUrl(request.method, request.url, singleValued(request.headers), request.body);
      if (!built.ok) throw new Error(built.problem);
      const decision = await decide(built.request, context);
      output = summarizeDecision(decision, NOW) as SimulateOutput;
      if (decision.allow) {
        const source = decision.request.copySource;
        judged = { upstreamPath: decision.request.upstreamPath, ...(source ? { copySource: `${source.bucket}/${source.key}` } : {}) };
      }
    }
    expect({ status: output.status, code: output.code, message: output.message }).toMatchObject({ status: c.status, code: c.code });
    if (request.token !== undefined) expect(output.message).not.toContain(request.token);
    if (!c.upstream) return;
    const printed = output.upstream;
    expect(printed?.method ?? request.method).toBe(c.upstream.method);
    expect(printed?.path ?? judged?.upstreamPath).toBe(c.upstream.path);
    for (const [name, value] of Object.entries(c.upstream.headers ?? {})) {
      if (printed?.headers === undefined) break;
      if (name in printed.headers || value === null) expect({ [name]: printed.headers[name] ?? null }).toEqual({ [name]: value });
    }
    // Every x-amz-* header the client sent reaches S3 under the task role's signature, or S3 would refuse it; or is removed upstream.
    if (printed?.signedHeaders !== undefined) {
      const removed = printed.clientHeadersRemoved ?? [];
      const clientAmz = Object.keys(request.headers).map((h) => h.toLowerCase()).filter((h) => h.startsWith("x-amz-") && !removed.includes(h));
      expect(clientAmz.filter((h) => !printed.signedHeaders!.includes(h))).toEqual([]);
    }
    if (c.upstream.copySource !== undefined) {
      const forwarded = printed?.headers?.["x-amz-copy-source"];
      if (forwarded === undefined) {
        expect(judged?.copySource).toBe(c.upstream.copySource);
      } else {
        expect(copySourceAsS3ReadsIt(forwarded)).toBe(c.upstream.copySource);
        expect(isCanonicallyEncoded(forwarded)).toBe(true);
      }
    }
  });

  it("prints the upstream request of an allowed request: method, canonical path and the headers S3 interprets", async () => {
    const c = cases.find((x) => x.name === "copy: 'bucket%2Fkey' is split the way S3 splits it, after decoding, and forwarded canonically") as CorpusCase;
    const request = await concreteRequest(c, keys, NOW);
    const built = requestFromUrl(request.method, request.url, singleValued(request.headers), request.body);
    if (!built.ok) throw new Error(built.problem);
    const output = summarizeDecision(await decide(built.request, context), NOW) as SimulateOutput;
    expect(output.upstream).toMatchObject({ method: "PUT", path: "/data/uploads/b.csv", headers: { "x-amz-copy-source": expect.any(String) } });
    expect(copySourceAsS3ReadsIt(output.upstream!.headers!["x-amz-copy-source"] as string)).toBe("data/reports/a.csv");
  });

  it("gives the same answers through 'rajee simulate --batch' in one run", async () => {
    const batchable = cases.filter((c) => !c.repeatedHeaders);
    const lines: string[] = [];
    for (const c of batchable) {
      const request = await concreteRequest(c, keys, NOW);
      lines.push(JSON.stringify({ method: request.method, url: request.url, headers: singleValued(request.headers), ...(request.body === undefined ? {} : { body: request.body }) }));
    }
    const batchFile = join(dir, "corpus.jsonl");
    await writeFile(batchFile, `${lines.join("\n")}\n`);
    const run = await rajee([...baseArgs(), "--batch", batchFile]);
    expect(run.code).toBe(0);
    const outputs = run.stdout.trim().split("\n").map((line) => JSON.parse(line) as SimulateOutput);
    expect(outputs).toHaveLength(batchable.length);
    const mismatches = batchable
      .map((c, i) => ({ name: c.name, expected: `${c.status} ${c.code}`, got: `${outputs[i]!.status} ${outputs[i]!.code}` }))
      .filter((m) => m.expected !== m.got);
    expect(mismatches).toEqual([]);
  });
});
