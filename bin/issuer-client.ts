import { Hash } from "@smithy/hash-node";
import { SignatureV4 } from "@smithy/signature-v4";
import { isRegion, REGION_EXAMPLE } from "../src/contracts/aws-names";
import { ISSUER_CONTENT_TYPE, ISSUER_METHOD, parseIssuerErrorBody, parseIssueTokenResponse, type IssueTokenRequest, type IssueTokenResponse } from "../src/contracts/issuer-api";
import { UsageError } from "./command";

/**
 * The client side of the token issuer (docs/issuing.md, "Getting credentials"): which URL and region
 * to sign for, the SigV4-signed POST a Function URL with `AuthType: AWS_IAM` accepts, and what its
 * answer means. The signing and the region rules are pure; `postToIssuer` is the thin I/O shell.
 */

/**
 * The service name Function URLs verify in a SigV4 scope: callers sign for `lambda`
 * (https://docs.aws.amazon.com/lambda/latest/dg/urls-auth.html).
 */
export const ISSUER_SIGNING_SERVICE = "lambda";

/** A Function URL host: `<url-id>.lambda-url.<region>.on.aws` (https://docs.aws.amazon.com/lambda/latest/dg/urls-invocation.html). */
const FUNCTION_URL_HOST = /^[a-z0-9]+\.lambda-url\.([a-z0-9-]+)\.on\.aws$/;

/** Host names whose traffic never leaves the machine: the only ones plain http is allowed to. */
const LOOPBACK_HOSTS = new Set(["127.0.0.1", "localhost", "[::1]"]);

/** The region in a Function URL's host name, or undefined when the host is no Function URL. */
export function functionUrlRegion(host: string): string | undefined {
  const match = FUNCTION_URL_HOST.exec(host.toLowerCase());
  return match && isRegion(match[1]) ? match[1] : undefined;
}

/**
 * Parses `--url`: https, or plain http to a loopback address (the local issuer of `npm run dev`),
 * because the answer carries a secret access key. No user info, query or fragment.
 */
export function issuerUrl(text: string): URL {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new UsageError(`--url ${text} is not a URL; use the issuer's Function URL, e.g. https://<url-id>.lambda-url.${REGION_EXAMPLE}.on.aws/`);
  }
  if (url.protocol !== "https:" && !(url.protocol === "http:" && LOOPBACK_HOSTS.has(url.hostname))) {
    throw new UsageError(`--url ${text} is not https; the issuer's answer holds a secret key, so only https (or http to 127.0.0.1 for npm run dev) is used`);
  }
  if (url.username !== "" || url.password !== "" || url.search !== "" || url.hash !== "") {
    throw new UsageError(`--url ${text} has a user, a query or a fragment; give the issuer's URL alone`);
  }
  return url;
}

/**
 * The region to sign for: `--region`, else the Function URL's own, else the SDK's region chain
 * (AWS_REGION, the profile's `region`). A `--region` that contradicts a Function URL host is refused
 * (Lambda would refuse the scope); no region at all is an error naming `--region`.
 */
export async function issuerRegion(url: URL, flag: string | undefined, sdkRegion: () => Promise<string | undefined>): Promise<string> {
  const fromHost = functionUrlRegion(url.hostname);
  if (flag !== undefined) {
    if (!isRegion(flag)) throw new UsageError(`--region ${flag} is not an AWS region; use e.g. ${REGION_EXAMPLE}`);
    if (fromHost !== undefined && fromHost !== flag) {
      throw new UsageError(`--region ${flag} contradicts the Function URL, which is in ${fromHost}; leave --region out for a Function URL`);
    }
    return flag;
  }
  if (fromHost !== undefined) return fromHost;
  let chained: string | undefined;
  try {
    chained = await sdkRegion();
  } catch {
    chained = undefined;
  }
  if (chained !== undefined && isRegion(chained)) return chained;
  throw new UsageError(
    `cannot tell the region to sign for: ${url.host} is not a Function URL (<url-id>.lambda-url.<region>.on.aws) and no region is configured (AWS_REGION or the profile's region); pass --region, e.g. --region ${REGION_EXAMPLE}`,
  );
}

/** AWS credentials of the caller, as the SDK's providers return them. */
export interface CallerCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken?: string;
}

/** A request ready to send: the body, and the headers with the SigV4 signature. */
export interface SignedIssuerRequest {
  readonly method: typeof ISSUER_METHOD;
  readonly url: URL;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

/**
 * Signs the POST to the issuer with SigV4 for service `lambda` in `region`, as a Function URL with
 * `AuthType: AWS_IAM` verifies it: host, content-type, x-amz-date, x-amz-content-sha256 and, for
 * temporary credentials, x-amz-security-token are signed. Deterministic for a given input and time.
 */
export async function signIssuerRequest(input: {
  readonly url: URL;
  readonly region: string;
  readonly credentials: CallerCredentials;
  readonly request: IssueTokenRequest;
  readonly now: Date;
}): Promise<SignedIssuerRequest> {
  const body = JSON.stringify(input.request.ttlSeconds === undefined ? { grants: input.request.grants } : { grants: input.request.grants, ttlSeconds: input.request.ttlSeconds });
  const signer = new SignatureV4({ service: ISSUER_SIGNING_SERVICE, region: input.region, credentials: input.credentials, sha256: Hash.bind(null, "sha256") });
  const signed = await signer.sign(
    {
      method: ISSUER_METHOD,
      protocol: input.url.protocol,
      hostname: input.url.hostname,
      ...(input.url.port ? { port: Number(input.url.port) } : {}),
      path: input.url.pathname,
      headers: { host: input.url.host, "content-type": ISSUER_CONTENT_TYPE },
      body,
    },
    { signingDate: input.now },
  );
  return { method: ISSUER_METHOD, url: input.url, headers: signed.headers as Record<string, string>, body };
}

/** An HTTP answer: status and body text. */
export interface IssuerAnswer {
  readonly status: number;
  readonly body: string;
}

/** Sends a signed request (the I/O shell). */
export async function postToIssuer(request: SignedIssuerRequest, timeoutMs = DEFAULT_TIMEOUT_MS): Promise<IssuerAnswer> {
  const headers = Object.fromEntries(Object.entries(request.headers).filter(([name]) => name !== "host"));
  let response: Response;
  try {
    response = await fetch(request.url, { method: request.method, headers, body: request.body, signal: AbortSignal.timeout(timeoutMs) });
  } catch (error) {
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    throw new Error(`cannot reach the issuer at ${request.url.origin}: ${cause?.code ?? cause?.message ?? (error as Error).message}`, { cause: error });
  }
  return { status: response.status, body: await response.text() };
}

/** How long to wait for the issuer before giving up. */
const DEFAULT_TIMEOUT_MS = 30_000;

/** A refusal or failure of the issuer, as one line: the status, the issuer's code and message, and what to do when that is known. */
export class IssuerError extends Error {
  override readonly name = "IssuerError";
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

function jsonOf(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/**
 * Reads the issuer's answer: the credentials on 200, else an IssuerError carrying the issuer's
 * `{ error: { code, message } }`, or, when Lambda itself refused before the issuer ran (a Function
 * URL answers 403 `{"Message":"Forbidden"}` to a bad signature or a caller without
 * lambda:InvokeFunctionUrl), what that means.
 */
export function readIssuerAnswer(answer: IssuerAnswer, url: URL): IssueTokenResponse {
  const body = jsonOf(answer.body);
  if (answer.status === 200) {
    const parsed = parseIssueTokenResponse(body);
    if (parsed.ok) return parsed.value;
    throw new IssuerError(answer.status, "InvalidResponse", `${parsed.problem} (is --url ${url.href} the issuer?)`);
  }
  const refusal = parseIssuerErrorBody(body);
  if (refusal.ok) {
    const { code, message } = refusal.value.error;
    throw new IssuerError(answer.status, code, `the issuer refused (${answer.status} ${code}): ${message}`);
  }
  if (answer.status === 403) {
    throw new IssuerError(
      answer.status,
      "Forbidden",
      "the Function URL refused the request (403 Forbidden) before the issuer ran: the caller's role or account is not among the environment's issuer invokers (lambda:InvokeFunctionUrl), or the signature is wrong for this URL and region",
    );
  }
  const text = answer.body.length > 200 ? `${answer.body.slice(0, 200)}...` : answer.body;
  throw new IssuerError(answer.status, "UnexpectedResponse", `the issuer at ${url.origin} answered ${answer.status}: ${text}`);
}
