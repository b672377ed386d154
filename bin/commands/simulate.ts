import { decide, type DecisionContext } from "../../src/decision";
import { buildKeyring } from "../../src/keys/keyring";
import { parseJwks } from "../../src/keys/jwks";
import type { S3Error } from "../../src/errors";
import { requestFromUrl, summarizeDecision, summarizeRefusal } from "./simulation";
import { tokenPolicy } from "../../src/token/policy";
import { verifyToken } from "../../src/token/verify";
import type { GatewayRequest } from "../../src/s3/request";
import { parseOptions, requireOption, UsageError, type Command } from "../command";
import { ISSUER_AUDIENCE_HELP, ISSUER_AUDIENCE_OPTIONS, issuerAndAudience } from "../common-options";
import { readJsonOption, readOptionFile } from "../read-input";
import { AUTHORIZER_VARIABLES } from "../../src/contracts/authorizer-environment";

const HELP = `Usage: rajee simulate --jwks FILE --method M --url URL [-H 'name: value'...] [--body FILE]
       rajee simulate --jwks FILE --batch FILE.jsonl

Decides a request exactly as the gateway's authorizer would, offline, and prints one JSON line:
  {"allow":bool,"status":n,"code":"...","operation":"...","message":"...","upstream":{...}}
"upstream" (allowed requests only) is what S3 will execute: method, path, the headers the
authorizer sets or rebuilds (x-amz-copy-source, x-amz-content-sha256, x-amz-date), whether the
task role's session token is sent, the headers the signature covers, and the client credential
headers dropped. No secret is printed.
Exit status is 0 whether the request is allowed or denied; 2 means bad command-line usage.

The token goes where a client would put it: -H 'x-amz-security-token: <jwt>',
-H 'authorization: Bearer <jwt>', or X-Amz-Security-Token in the URL's query.

Options:
  --jwks FILE         public keys to trust (JWKS, e.g. from 'rajee keys generate')
  --method M          HTTP method (GET, PUT, ...)
  --url URL           https://host/bucket/key?query, or just /bucket/key?query (not normalised)
  -H, --header H      request header 'name: value'; repeatable (a name given twice is a repeated
                      header: joined with ',' or, for the token, host, copy-source, payload-hash,
                      content-* and date headers, refused as the authorizer refuses it)
  --body FILE         request body (DeleteObjects XML)
  --batch FILE        JSON lines {"method","url","headers":{},"body"?}; one result line each, in order
                      (a header value may be an array: the header repeated)
  --domain DOMAIN     virtual-hosted addressing: bucket.DOMAIN (env ${AUTHORIZER_VARIABLES.virtualHostDomain})
  --now TIME          judge as of this ISO-8601 time (default: now)
${ISSUER_AUDIENCE_HELP}
`;

function parseHeaderOption(text: string): [string, string] {
  const colon = text.indexOf(":");
  if (colon <= 0) throw new UsageError(`-H ${JSON.stringify(text)} is not 'name: value'`);
  return [text.slice(0, colon).trim().toLowerCase(), text.slice(colon + 1).trim()];
}

/** A request to decide, or the refusal the authorizer answers before deciding (a repeated single-value header). */
type Simulated = { readonly request: GatewayRequest; readonly refusal?: S3Error };

function batchRequest(line: string, lineNumber: number, file: string): Simulated {
  const where = `--batch ${file} line ${lineNumber}`;
  let item: unknown;
  try {
    item = JSON.parse(line);
  } catch (error) {
    throw new UsageError(`${where}: not valid JSON (${(error as Error).message})`);
  }
  const { method, url, headers = {}, body } = (item ?? {}) as Record<string, unknown>;
  if (typeof method !== "string" || typeof url !== "string") throw new UsageError(`${where}: needs string "method" and "url"`);
  const stringOrStrings = (v: unknown) => typeof v === "string" || (Array.isArray(v) && v.length > 0 && v.every((x) => typeof x === "string"));
  if (typeof headers !== "object" || headers === null || Array.isArray(headers) || !Object.values(headers).every(stringOrStrings)) {
    throw new UsageError(`${where}: "headers" must be an object of strings (or arrays of strings, for a repeated header)`);
  }
  if (body !== undefined && typeof body !== "string") throw new UsageError(`${where}: "body" must be a string`);
  const built = requestFromUrl(method, url, headers as Record<string, string | string[]>, body);
  if (!built.ok) throw new UsageError(`${where}: ${built.problem}`);
  return built.refusal ? { request: built.request, refusal: built.refusal } : { request: built.request };
}

export const simulate: Command = {
  path: ["simulate"],
  summary: "decide a request offline, as the gateway would",
  help: HELP,
  async run(args, io) {
    const { values } = parseOptions(args, {
      jwks: { type: "string" },
      method: { type: "string" },
      url: { type: "string" },
      header: { type: "string", short: "H", multiple: true },
      body: { type: "string" },
      batch: { type: "string" },
      domain: { type: "string" },
      now: { type: "string" },
      ...ISSUER_AUDIENCE_OPTIONS,
    });
    const jwksPath = requireOption(values.jwks, "jwks");
    const now = values.now === undefined ? new Date() : new Date(values.now);
    if (Number.isNaN(now.getTime())) throw new UsageError(`--now ${values.now} is not an ISO-8601 time`);

    let requests: Simulated[];
    if (values.batch !== undefined) {
      if (values.method !== undefined || values.url !== undefined || values.header !== undefined || values.body !== undefined) {
        throw new UsageError("--batch takes the requests from the file; drop --method, --url, -H and --body");
      }
      const text = (await readOptionFile(values.batch, "batch")).toString("utf8");
      requests = text
        .split("\n")
        .map((line, i) => ({ line: line.trim(), number: i + 1 }))
        .filter(({ line }) => line !== "")
        .map(({ line, number }) => batchRequest(line, number, values.batch as string));
    } else {
      const method = requireOption(values.method, "method");
      const url = requireOption(values.url, "url");
      const headers: Record<string, string[]> = {};
      for (const [name, value] of (values.header ?? []).map(parseHeaderOption)) (headers[name] ??= []).push(value);
      const body = values.body === undefined ? undefined : await readOptionFile(values.body, "body");
      const built = requestFromUrl(method, url, headers, body);
      if (!built.ok) throw new UsageError(built.problem);
      requests = [built.refusal ? { request: built.request, refusal: built.refusal } : { request: built.request }];
    }

    const keyring = await buildKeyring(parseJwks(await readJsonOption(jwksPath, "jwks"), jwksPath));
    const policy = tokenPolicy(issuerAndAudience(values, io));
    const domain = values.domain ?? io.env[AUTHORIZER_VARIABLES.virtualHostDomain];
    const context: DecisionContext = {
      verify: (token) => verifyToken(token, keyring, policy, now),
      classify: domain ? { virtualHostDomain: domain.toLowerCase() } : {},
      now,
    };
    for (const { request, refusal } of requests) {
      const result = refusal ? summarizeRefusal(refusal) : summarizeDecision(await decide(request, context), now);
      io.stdout(`${JSON.stringify(result)}\n`);
    }
    return 0;
  },
};
