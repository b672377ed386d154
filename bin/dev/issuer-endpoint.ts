import { createHash, randomUUID } from "node:crypto";
import http, { type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { LOOPBACK } from "../../src/contracts/gateway";
import { ISSUER_SIGNING_SERVICE } from "../issuer-client";
import { readBounded } from "./read-bounded";
import { verifySigV4 } from "./sigv4-verify";

/**
 * The token issuer of `npm run dev`: an HTTP endpoint on 127.0.0.1 that does what a Lambda Function
 * URL with `AuthType: AWS_IAM` does before the issuer runs. It verifies the caller's SigV4 signature
 * (service `lambda`) with the project's independent verifier, maps the access key to a principal
 * from a dev file (config/dev-principals.json) as IAM maps real keys to identities, builds the
 * Function URL event (payload format 2.0, with `requestContext.authorizer.iam`) and hands it to the
 * issuer's handler. Unsigned, badly signed and unknown-key requests are refused with 403 before the
 * handler sees them, as Lambda refuses them.
 */

/** Test credentials and the principal they stand for, like an IAM user's or an assumed role's keys. */
export interface DevPrincipal {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  /** The caller's ARN, e.g. `arn:aws:sts::111111111111:assumed-role/DataScientist/alice`. */
  readonly arn: string;
}

/** The dev principals file: principals keyed by a short name. */
export interface DevPrincipals {
  readonly principals: Readonly<Record<string, DevPrincipal>>;
}

/** The ARNs a Function URL reports as `userArn`: an assumed-role session or an IAM user (any partition). */
const CALLER_ARN = /^arn:(aws|aws-cn|aws-us-gov|aws-iso(?:-[a-z])?):(?:sts::(\d{12}):assumed-role\/[\w+=,.@-]+\/[\w+=,.@-]+|iam::(\d{12}):user\/(?:[\w+=,.@-]+\/)*[\w+=,.@-]+)$/;

/** Reads the dev principals file, refusing anything that would not map a key to a caller: every problem named. */
export function parseDevPrincipals(value: unknown, source: string): DevPrincipals {
  const principals = (value as { principals?: unknown } | null)?.principals;
  if (typeof principals !== "object" || principals === null || Array.isArray(principals)) {
    throw new Error(`${source}: no "principals" object; write { "principals": { "<name>": { "accessKeyId", "secretAccessKey", "arn" } } }`);
  }
  const problems: string[] = [];
  const seen = new Map<string, string>();
  for (const [name, entry] of Object.entries(principals as Record<string, unknown>)) {
    const p = entry as Partial<Record<keyof DevPrincipal, unknown>> | null;
    if (typeof p?.accessKeyId !== "string" || !/^[A-Z0-9]{16,128}$/.test(p.accessKeyId)) problems.push(`principals.${name}.accessKeyId is ${JSON.stringify(p?.accessKeyId)}; use 16-128 upper-case letters and digits`);
    else if (seen.has(p.accessKeyId)) problems.push(`principals.${name}.accessKeyId ${p.accessKeyId} is also ${seen.get(p.accessKeyId)}'s; give each principal its own key`);
    else seen.set(p.accessKeyId, name);
    if (typeof p?.secretAccessKey !== "string" || p.secretAccessKey === "") problems.push(`principals.${name}.secretAccessKey is missing; write any non-empty string`);
    if (typeof p?.arn !== "string" || !CALLER_ARN.test(p.arn)) {
      problems.push(`principals.${name}.arn is ${JSON.stringify(p?.arn)}; use an assumed-role session (arn:aws:sts::111111111111:assumed-role/<role>/<session>) or a user (arn:aws:iam::111111111111:user/<name>)`);
    }
  }
  if (problems.length > 0) throw new Error(`${source}: ${problems.join("; ")}`);
  return { principals: principals as Record<string, DevPrincipal> };
}

/** What `requestContext.authorizer.iam` carries for a caller (https://github.com/aws/aws-lambda-go/blob/main/events/testdata/lambda-urls-request.json). */
export interface FunctionUrlIam {
  readonly accessKey: string;
  readonly accountId: string;
  readonly callerId: string;
  readonly cognitoIdentity: null;
  readonly principalOrgId: null;
  readonly userArn: string;
  readonly userId: string;
}

/** A Function URL event, payload format 2.0 (https://docs.aws.amazon.com/lambda/latest/dg/urls-invocation.html, "Request payload format"). */
export interface FunctionUrlEvent {
  readonly version: "2.0";
  readonly routeKey: "$default";
  readonly rawPath: string;
  readonly rawQueryString: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly requestContext: {
    readonly accountId: string;
    readonly apiId: string;
    readonly authorizer: { readonly iam: FunctionUrlIam };
    readonly domainName: string;
    readonly domainPrefix: string;
    readonly http: { readonly method: string; readonly path: string; readonly protocol: string; readonly sourceIp: string; readonly userAgent: string };
    readonly requestId: string;
    readonly routeKey: "$default";
    readonly stage: "$default";
    readonly time: string;
    readonly timeEpoch: number;
  };
  readonly body?: string;
  readonly isBase64Encoded: boolean;
}

/** A Function URL response (the handler's result). */
export interface FunctionUrlResult {
  readonly statusCode: number;
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: string;
}

export type FunctionUrlHandler = (event: FunctionUrlEvent) => Promise<FunctionUrlResult>;

/** The caller's identity as IAM reports it: the account from the ARN; for a role session, `<role id>:<session>` as callerId. */
export function callerIdentity(principal: DevPrincipal): FunctionUrlIam {
  const match = CALLER_ARN.exec(principal.arn);
  const accountId = match?.[2] ?? match?.[3] ?? "";
  // Stable stand-ins for IAM's unique ids (AROA... for roles, AIDA... for users), derived from the ARN.
  const id = createHash("sha256").update(principal.arn).digest("hex").slice(0, 17).toUpperCase();
  const session = principal.arn.includes(":assumed-role/") ? principal.arn.slice(principal.arn.lastIndexOf("/") + 1) : undefined;
  const userId = session === undefined ? `AIDA${id}` : `AROA${id}:${session}`;
  return { accessKey: principal.accessKeyId, accountId, callerId: userId, cognitoIdentity: null, principalOrgId: null, userArn: principal.arn, userId };
}

/** The event Lambda would pass for this request from this caller. */
export function functionUrlEvent(input: {
  readonly method: string;
  readonly target: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: Buffer;
  readonly caller: FunctionUrlIam;
  readonly sourceIp: string;
  readonly now: Date;
}): FunctionUrlEvent {
  const question = input.target.indexOf("?");
  const rawPath = question < 0 ? input.target : input.target.slice(0, question);
  const host = input.headers.host ?? `${LOCAL_FUNCTION_URL_ID}.lambda-url.local`;
  const domainPrefix = host.split(".")[0] ?? LOCAL_FUNCTION_URL_ID;
  return {
    version: "2.0",
    routeKey: "$default",
    rawPath,
    rawQueryString: question < 0 ? "" : input.target.slice(question + 1),
    headers: input.headers,
    requestContext: {
      accountId: "anonymous",
      apiId: LOCAL_FUNCTION_URL_ID,
      authorizer: { iam: input.caller },
      domainName: host,
      domainPrefix,
      http: { method: input.method, path: rawPath, protocol: "HTTP/1.1", sourceIp: input.sourceIp, userAgent: input.headers["user-agent"] ?? "" },
      requestId: randomUUID(),
      routeKey: "$default",
      stage: "$default",
      time: input.now.toUTCString(),
      timeEpoch: input.now.getTime(),
    },
    ...(input.body.length > 0 ? { body: input.body.toString("utf8") } : {}),
    isBase64Encoded: false,
  };
}

/** The url-id the local issuer reports (`requestContext.apiId`). */
const LOCAL_FUNCTION_URL_ID = "localissuer";

/**
 * Largest body accepted, as a Function URL does: Lambda's 6 MB limit on a synchronous invocation's
 * request payload (https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html). Smaller
 * bodies the issuer will not read reach the handler, which answers 400 for them as it does in AWS;
 * the signature is checked first either way.
 */
export const LAMBDA_MAX_REQUEST_BYTES = 6 * 1024 * 1024;

/** A refusal before the handler runs, in the issuer's error shape so `rajee token request` prints it. */
export interface Refusal {
  readonly status: number;
  readonly code: string;
  readonly message: string;
}

/** Finds the caller of a signed request and checks the signature as a Function URL does; a Refusal when it fails. */
export function authenticate(
  request: { readonly method: string; readonly target: string; readonly headers: Readonly<Record<string, string | undefined>>; readonly body: Buffer },
  principals: DevPrincipals,
  region: string,
  now: Date,
): { ok: true; principal: DevPrincipal } | ({ ok: false } & Refusal) {
  const keyId = /Credential=([^/,\s]+)\//.exec(request.headers.authorization ?? "")?.[1];
  if (keyId === undefined) return { ok: false, status: 403, code: "AccessDenied", message: "(local Function URL) the request is not signed: sign it with SigV4 for service lambda, as rajee token request does" };
  const principal = Object.values(principals.principals).find((p) => p.accessKeyId === keyId);
  if (principal === undefined) return { ok: false, status: 403, code: "AccessDenied", message: `(local Function URL) unknown access key ${keyId}: sign with the keys of a principal in config/dev-principals.json` };
  const payloadHash = createHash("sha256").update(request.body).digest("hex");
  const verdict = verifySigV4(request, principal, region, now, { service: ISSUER_SIGNING_SERVICE, payloadHash });
  if (!verdict.ok) return { ok: false, status: 403, code: "AccessDenied", message: `(local Function URL) ${verdict.code}: ${verdict.message}` };
  return { ok: true, principal };
}

export interface IssuerEndpointOptions {
  readonly principals: DevPrincipals;
  /** Region callers sign for. */
  readonly region: string;
  readonly handler: FunctionUrlHandler;
  /** @default any free port */
  readonly port?: number;
  /** Called once per request with the caller's ARN (or none), the status and, for a refusal, why. @default none */
  readonly onRequest?: (record: IssuerRequestRecord) => void;
}

/** One request to the local issuer, for the dev log. */
export interface IssuerRequestRecord {
  /** The caller's ARN, when the signature checked out. */
  readonly caller: string | undefined;
  readonly status: number;
  /** Why it was refused (the error message the caller got); absent on success. */
  readonly reason?: string;
}

/** The dev log line of one issuer request: `issuer <status> <caller>`, and for a refusal `: <reason>`. */
export function issuerLogLine(record: IssuerRequestRecord): string {
  const who = record.caller ?? "(unauthenticated)";
  return `issuer ${record.status} ${who}${record.reason === undefined ? "" : `: ${record.reason}`}`;
}

/** The message of an issuer error body, when `body` is one. */
function errorMessageOf(body: string | undefined): string | undefined {
  try {
    const message = (JSON.parse(body ?? "") as { error?: { message?: unknown } }).error?.message;
    return typeof message === "string" ? message : undefined;
  } catch {
    return undefined;
  }
}

export interface IssuerEndpoint {
  /** `http://127.0.0.1:<port>/`: the `--url` of `rajee token request`. */
  readonly url: string;
  readonly port: number;
  close(): Promise<void>;
}

function headersOf(request: IncomingMessage): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(request.headers)) if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(",") : value;
  return headers;
}

function send(response: ServerResponse, status: number, headers: Readonly<Record<string, string>>, body: string): void {
  response.writeHead(status, { "content-type": "application/json", ...headers, "content-length": Buffer.byteLength(body) });
  response.end(body);
}

/** Starts the local issuer on 127.0.0.1. */
export async function startIssuerEndpoint(options: IssuerEndpointOptions): Promise<IssuerEndpoint> {
  const server = http.createServer((request, response) => {
    void (async () => {
      let caller: string | undefined;
      let status = 500;
      let reason: string | undefined;
      try {
        const body = await readBounded(request, LAMBDA_MAX_REQUEST_BYTES);
        if (body === "too-large") {
          status = 413;
          reason = `(local Function URL) the body is over ${LAMBDA_MAX_REQUEST_BYTES} bytes, Lambda's request payload limit`;
          return send(response, status, {}, JSON.stringify({ error: { code: "RequestTooLarge", message: reason } }));
        }
        const headers = headersOf(request);
        const target = request.url ?? "/";
        const method = request.method ?? "GET";
        const now = new Date();
        const auth = authenticate({ method, target, headers, body }, options.principals, options.region, now);
        if (!auth.ok) {
          status = auth.status;
          reason = auth.message;
          return send(response, status, {}, JSON.stringify({ error: { code: auth.code, message: auth.message } }));
        }
        caller = auth.principal.arn;
        const event = functionUrlEvent({ method, target, headers, body, caller: callerIdentity(auth.principal), sourceIp: request.socket.remoteAddress ?? LOOPBACK, now });
        const result = await options.handler(event);
        status = result.statusCode;
        if (status !== 200) reason = errorMessageOf(result.body) ?? `the issuer answered ${status}`;
        send(response, status, result.headers ?? {}, result.body ?? "");
      } catch (error) {
        status = 500;
        reason = (error as Error).message;
        if (!response.headersSent) send(response, status, {}, JSON.stringify({ error: { code: "InternalError", message: (error as Error).message } }));
      } finally {
        options.onRequest?.(reason === undefined ? { caller, status } : { caller, status, reason });
      }
    })();
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, LOOPBACK, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://${LOOPBACK}:${port}/`,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
