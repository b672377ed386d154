import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { S3_ERRORS } from "../../../src/errors";
import { tokenFor, type SigningKeys, type TokenRecipe } from "./tokens";

/**
 * One hostile request and what the gateway must do with it. One JSON object per line in
 * `tests/security/corpus/*.jsonl`.
 */
export interface CorpusCase {
  /** Unique; names the advisory when the case replays one. */
  readonly name: string;
  /** Why the case exists: the attack, and for advisories what was replayed. */
  readonly note?: string;
  /** A public advisory replayed (CVE or GHSA id) and where it is described. */
  readonly advisory?: { readonly id: string; readonly url: string };
  readonly request: CorpusRequest;
  /** The token and where it goes; absent: the request carries no token. */
  readonly token?: TokenRecipe;
  /** Expected status: 200 allow, else the S3 error's status. */
  readonly status: number;
  /** `OK` for an allow, else the S3 error code. */
  readonly code: string;
  /** For allows: the request S3 must receive. */
  readonly upstream?: ExpectedUpstream;
  /** Header names a client may repeat only over HTTP; such cases skip the batch file, which cannot hold them. */
  readonly repeatedHeaders?: boolean;
  /** The corpus file it came from (set by the loader). */
  readonly file: string;
}

export interface CorpusRequest {
  readonly method: string;
  /** Path and query exactly as sent (or `https://host/...`); `{{token}}` is replaced by the token. */
  readonly url: string;
  /** Values may be arrays: the header is sent once per value. `{{token}}` is replaced by the token. */
  readonly headers?: Readonly<Record<string, string | readonly string[]>>;
  readonly body?: string;
}

/** What S3 must be asked to do: method, path and query, and the headers it interprets. */
export interface ExpectedUpstream {
  readonly method: string;
  /** Path and query, canonically encoded, presign parameters dropped. */
  readonly path: string;
  /** Header values S3 must receive (lower-case names); `null`: the header must be absent. */
  readonly headers?: Readonly<Record<string, string | null>>;
  /** The copy source S3 reads once it percent-decodes `x-amz-copy-source`: `bucket/key`. */
  readonly copySource?: string;
}

const CORPUS_DIR = join(__dirname, "..", "corpus");

function problem(file: string, line: number, why: string): Error {
  return new Error(`tests/security/corpus/${file} line ${line}: ${why}`);
}

const CODES = new Set(["OK", ...Object.keys(S3_ERRORS)]);

function checkCase(value: unknown, file: string, line: number): CorpusCase {
  if (typeof value !== "object" || value === null) throw problem(file, line, "not an object");
  const c = value as Record<string, unknown>;
  if (typeof c.name !== "string" || c.name === "") throw problem(file, line, "needs a name");
  const request = c.request as Record<string, unknown> | undefined;
  if (!request || typeof request.method !== "string" || typeof request.url !== "string") throw problem(file, line, `${c.name}: request needs method and url`);
  if (typeof c.status !== "number" || typeof c.code !== "string" || !CODES.has(c.code)) throw problem(file, line, `${c.name}: needs a status and a known code`);
  if ((c.status === 200) !== (c.code === "OK")) throw problem(file, line, `${c.name}: status 200 goes with code OK and only with it`);
  if (c.code !== "OK" && S3_ERRORS[c.code as keyof typeof S3_ERRORS].status !== c.status) throw problem(file, line, `${c.name}: ${c.code} is not status ${c.status}`);
  if (c.status === 200 && c.upstream === undefined) throw problem(file, line, `${c.name}: an allow needs the expected upstream request`);
  if (c.status !== 200 && c.upstream !== undefined) throw problem(file, line, `${c.name}: a denial has no upstream request`);
  const repeated = Object.values((request.headers ?? {}) as Record<string, unknown>).some(Array.isArray);
  return { ...(c as unknown as CorpusCase), repeatedHeaders: repeated, file };
}

/** Every case of every corpus file, in file and line order. Throws naming the file and line of a bad one. */
export function loadCorpus(): CorpusCase[] {
  const cases: CorpusCase[] = [];
  for (const file of readdirSync(CORPUS_DIR).filter((f) => f.endsWith(".jsonl")).sort()) {
    const lines = readFileSync(join(CORPUS_DIR, file), "utf8").split("\n");
    lines.forEach((text, index) => {
      if (text.trim() === "") return;
      let parsed: unknown;
      try {
        parsed = JSON.parse(text);
      } catch (error) {
        throw problem(file, index + 1, `not JSON (${(error as Error).message})`);
      }
      cases.push(checkCase(parsed, file, index + 1));
    });
  }
  const names = new Set<string>();
  for (const c of cases) {
    if (names.has(c.name)) throw new Error(`corpus case name '${c.name}' is used twice`);
    names.add(c.name);
  }
  return cases;
}

/** A case's request with its token placed: what a client would send. */
export interface ConcreteRequest {
  readonly method: string;
  readonly url: string;
  /** Path and query only (the URL without scheme and host). */
  readonly target: string;
  readonly headers: Record<string, string | string[]>;
  readonly body?: string;
  readonly token?: string;
}

const fill = (text: string, token: string | undefined) => (token === undefined ? text : text.split("{{token}}").join(token));

/** Mints the case's token and places it where the recipe says. */
export async function concreteRequest(c: CorpusCase, keys: SigningKeys, now: Date): Promise<ConcreteRequest> {
  const token = c.token ? await tokenFor(c.token, keys, now) : undefined;
  let url = fill(c.request.url, token);
  const headers: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(c.request.headers ?? {})) {
    headers[name] = typeof value === "string" ? fill(value, token) : value.map((v) => fill(v, token));
  }
  const place = c.token?.place ?? "header";
  if (token !== undefined && place !== "template") {
    const places = place.split("+");
    if (places.includes("header")) headers["x-amz-security-token"] = token;
    if (places.includes("bearer")) headers.authorization = `Bearer ${token}`;
    if (places.includes("query")) url += `${url.includes("?") ? "&" : "?"}X-Amz-Security-Token=${encodeURIComponent(token)}`;
  }
  const scheme = /^https?:\/\/[^/?]*/i.exec(url);
  const target = scheme ? url.slice(scheme[0].length) || "/" : url;
  return { method: c.request.method, url, target, headers, ...(c.request.body === undefined ? {} : { body: c.request.body }), ...(token === undefined ? {} : { token }) };
}

/** Headers as one value each (the simulate library's input); repeated values are not representable. */
export function singleValued(headers: Record<string, string | string[]>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (Array.isArray(value)) throw new Error(`header '${name}' is repeated; this runner cannot send it`);
    out[name] = value;
  }
  return out;
}

/**
 * What S3 reads from `x-amz-copy-source`: it URL-decodes the value once (a raw `+` is a space:
 * unencoded `+` in a copy source gives NoSuchKey, aws/aws-sdk-php#236, aws/aws-sdk-js#1821), drops
 * one leading `/`, and splits bucket from key at the first `/` (CopyObject: "must be URL-encoded").
 */
export function copySourceAsS3ReadsIt(value: string): string {
  const question = value.indexOf("?versionId=");
  const location = question < 0 ? value : value.slice(0, question);
  const decoded = decodeURIComponent(location.replace(/\+/g, " "));
  return decoded.startsWith("/") ? decoded.slice(1) : decoded;
}

/** Canonical: nothing but RFC 3986 unreserved characters, `/` and upper-case percent-escapes. */
export function isCanonicallyEncoded(value: string): boolean {
  return /^(?:[A-Za-z0-9\-._~/]|%[0-9A-F]{2})*$/.test(value.split("?versionId=")[0] as string);
}
