import { fail, S3ErrorSignal, type S3Error } from "../errors";
import type { Check } from "../grants/match";
import { bucketNameProblem } from "./bucket-name";
import { copySourceHeader, parseCopySource, type CopySource } from "./copy-source";
import { DELETE_OBJECTS_MAX_BODY_BYTES, parseDeleteObjectsBody } from "./delete-objects";
import { checkKeyText, checkNoDotSegments, decodeOnce, encodeComponent, encodePath } from "./encoding";
import { checkHeaderNames } from "./header-names";
import { carriesDefaultAcl, checkForbiddenHeaders } from "./headers";
import { hoistedHeaders, isHoistedParameter, judgedHeaders } from "./hoisted";
import { ALWAYS_ALLOWED_PARAMETERS, FLAG_PARAMETERS, OPERATION_PARAMETERS, presignParametersOf, type S3Operation } from "./operations";
import { payloadHashFor } from "./payload-hash";
import { parseQuery, type Query } from "./query";
import type { GatewayRequest } from "./request";

export interface ClassifyOptions {
  /** Domain for virtual-hosted addressing (`bucket.<domain>`). @default undefined (path-style only) */
  readonly virtualHostDomain?: string;
  /** Largest DeleteObjects body judged, bytes. @default DELETE_OBJECTS_MAX_BODY_BYTES (2 MiB) */
  readonly maxDeleteBodyBytes?: number;
}

/**
 * What the method, path, query and headers say about a request, before its body is read: enough to
 * find the token and to name the operation in logs. Only DeleteObjects has a body to read.
 */
export interface RequestHead {
  readonly operation: S3Operation;
  readonly bucket: string;
  /** The decoded object key, for object operations. */
  readonly key?: string;
  /** Decoded query parameters. */
  readonly query: Query;
  /** The x-amz-content-sha256 value to sign the upstream request with. */
  readonly payloadHash: string;
  /** The query S3 receives: the judged query without the presign parameters and without a stripped `x-amz-acl=private`. */
  readonly upstreamQuery: Query;
  /** Path-style, canonically encoded path and `upstreamQuery` for the upstream request. */
  readonly upstreamPath: string;
  /** Client headers the authorizer has Envoy remove upstream besides its credentials (`x-amz-acl: private`). */
  readonly removedHeaders: readonly string[];
  readonly addressing: "path" | "virtual-host";
  /** The copy source as judged (S3's decoding, see copy-source.ts). */
  readonly copySource?: CopySource;
  /** The canonical `x-amz-copy-source` rebuilt from `copySource`: what S3 is sent instead of the client's spelling. */
  readonly upstreamCopySource?: string;
}

/** A request mapped to one S3 operation and the permissions it needs. */
export interface ClassifiedRequest extends RequestHead {
  /** Every permission the request needs; all must be granted. */
  readonly checks: readonly Check[];
  /** Keys named in a DeleteObjects body. */
  readonly deleteKeys?: readonly string[];
}

export type Classification = { readonly ok: true; readonly request: ClassifiedRequest } | { readonly ok: false; readonly error: S3Error };
export type HeadClassification = { readonly ok: true; readonly head: RequestHead } | { readonly ok: false; readonly error: S3Error };

const NO_OPTIONS: ClassifyOptions = Object.freeze({});

const unsupported = (what: string, resource?: string): never =>
  fail("AccessDenied", `operation not supported by this gateway: ${what}`, resource);

interface Target {
  readonly bucket: string;
  readonly key: string | undefined;
  readonly addressing: "path" | "virtual-host";
}

function hostname(host: string | undefined): string | undefined {
  if (host === undefined) return undefined;
  const h = host.toLowerCase();
  const colon = h.lastIndexOf(":");
  return colon > h.lastIndexOf("]") ? h.slice(0, colon) : h;
}

function decodeKey(raw: string): string {
  const key = decodeOnce(raw, "object key");
  checkKeyText(key, "object key");
  checkNoDotSegments(key, "object key");
  return key;
}

function validBucket(bucket: string, where: string): string {
  const problem = bucketNameProblem(bucket);
  if (problem) fail("InvalidURI", `bucket '${bucket}' in the ${where} ${problem}`);
  return bucket;
}

/** Splits the raw path into bucket and key: virtual-hosted when the host is `<bucket>.<domain>`. */
function locate(rawPath: string, host: string | undefined, domain: string | undefined): Target {
  if (!rawPath.startsWith("/")) fail("InvalidURI", "the request path must start with '/'");
  // The host names the bucket only when a virtual-host domain is configured.
  const name = domain ? hostname(host) : undefined;
  if (domain && name && name.endsWith(`.${domain}`)) {
    const bucket = validBucket(name.slice(0, -domain.length - 1), "host name");
    const rest = rawPath.slice(1);
    return { bucket, key: rest === "" ? undefined : decodeKey(rest), addressing: "virtual-host" };
  }
  const slash = rawPath.indexOf("/", 1);
  const rawBucket = slash < 0 ? rawPath.slice(1) : rawPath.slice(1, slash);
  if (rawBucket === "") unsupported("ListBuckets (a request without a bucket)");
  const bucket = validBucket(decodeOnce(rawBucket, "bucket name"), "path");
  const rawKey = slash < 0 ? "" : rawPath.slice(slash + 1);
  return { bucket, key: rawKey === "" ? undefined : decodeKey(rawKey), addressing: "path" };
}

function bucketOperation(method: string, query: Query, bucket: string): S3Operation {
  switch (method) {
    case "GET":
      if (query.has("list-type")) {
        if (query.get("list-type") !== "2") unsupported(`list-type=${query.get("list-type")} (only 2)`, bucket);
        return "ListObjectsV2";
      }
      if (query.has("uploads")) return "ListMultipartUploads";
      if (query.has("versions")) return "ListObjectVersions";
      if (query.has("location")) return "GetBucketLocation";
      return "ListObjects";
    case "HEAD":
      return "HeadBucket";
    case "POST":
      if (query.has("delete")) return "DeleteObjects";
      return unsupported("POST on a bucket other than ?delete", bucket);
    case "PUT": {
      // A bucket configuration write (`?policy`, `?cors`, `?acl`...) is never served; a bare PUT is CreateBucket.
      const subresource = [...query.keys()].find((name) => !ALWAYS_ALLOWED_PARAMETERS.has(name) && !isHoistedParameter(name));
      if (subresource !== undefined) return unsupported(`PUT on a bucket with '${subresource}'`, bucket);
      return "CreateBucket";
    }
    default:
      return unsupported(`${method} on a bucket`, bucket);
  }
}

function objectOperation(method: string, query: Query, hasCopySource: boolean, resource: string): S3Operation {
  switch (method) {
    case "GET":
      if (query.has("attributes")) return "GetObjectAttributes";
      if (query.has("tagging")) return "GetObjectTagging";
      if (query.has("uploadId")) return "ListParts";
      return "GetObject";
    case "HEAD":
      return "HeadObject";
    case "PUT":
      if (query.has("uploadId") || query.has("partNumber")) {
        if (!query.has("uploadId") || !query.has("partNumber")) unsupported("UploadPart needs both partNumber and uploadId", resource);
        return hasCopySource ? "UploadPartCopy" : "UploadPart";
      }
      return hasCopySource ? "CopyObject" : "PutObject";
    case "POST":
      if (query.has("uploads")) return "CreateMultipartUpload";
      if (query.has("uploadId")) return "CompleteMultipartUpload";
      return unsupported("POST on an object other than ?uploads or ?uploadId", resource);
    case "DELETE":
      return query.has("uploadId") ? "AbortMultipartUpload" : "DeleteObject";
    default:
      return unsupported(`${method} on an object`, resource);
  }
}

function checkParameters(operation: S3Operation, query: Query, resource: string): void {
  const allowed = OPERATION_PARAMETERS[operation];
  for (const [name, value] of query) {
    if (!allowed.has(name) && !ALWAYS_ALLOWED_PARAMETERS.has(name) && !isHoistedParameter(name)) unsupported(`query parameter '${name}' on ${operation}`, resource);
    if (FLAG_PARAMETERS.has(name) && value !== "") unsupported(`'${name}' takes no value`, resource);
  }
}

function listPrefix(query: Query): string {
  const prefix = query.get("prefix") ?? "";
  checkKeyText(prefix, "list prefix");
  checkNoDotSegments(prefix, "list prefix");
  return prefix;
}

function upstreamPathFor(bucket: string, key: string | undefined, query: Query): string {
  const path = key === undefined ? `/${encodePath(bucket)}` : `/${encodePath(bucket)}/${encodePath(key)}`;
  if (query.size === 0) return path;
  const parameters = [...query]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([name, value]) => (value === "" && FLAG_PARAMETERS.has(name) ? encodeComponent(name) : `${encodeComponent(name)}=${encodeComponent(value)}`));
  return parameters.length === 0 ? path : `${path}?${parameters.join("&")}`;
}

function checksFor(operation: S3Operation, bucket: string, key: string | undefined, query: Query, copySource: CopySource | undefined, deleteKeys: readonly string[] | undefined): Check[] {
  const object = (access: "read" | "write" | "delete") => ({ kind: "object", access, bucket, key: key as string }) as const;
  switch (operation) {
    case "GetObject":
    case "HeadObject":
    case "GetObjectAttributes":
    case "GetObjectTagging":
      return [object("read")];
    case "ListObjectsV2":
    case "ListObjects":
    case "ListMultipartUploads":
    case "ListObjectVersions":
      return [{ kind: "list", bucket, prefix: listPrefix(query) }];
    case "HeadBucket":
    case "GetBucketLocation":
      return [{ kind: "bucket", bucket }];
    case "PutObject":
    case "CreateMultipartUpload":
    case "UploadPart":
    case "CompleteMultipartUpload":
    case "AbortMultipartUpload":
    case "ListParts":
      return [object("write")];
    case "CopyObject":
    case "UploadPartCopy":
      return [object("write"), { kind: "object", access: "read", bucket: copySource!.bucket, key: copySource!.key }];
    case "DeleteObject":
      return [object("delete")];
    case "DeleteObjects":
      return deleteKeys!.map((k) => ({ kind: "object", access: "delete", bucket, key: k }) as const);
    case "CreateBucket":
      // Never allowed, whatever the grants: `decide` answers it before the grants (create-bucket.ts).
      return fail("AccessDenied", "CreateBucket is answered by the gateway and never forwarded", bucket);
  }
}

/**
 * Reads method, path, query and headers: O(their size), no body. Throws S3ErrorSignal; see
 * `classifyHead`.
 */
export function classifyHeadRequest(request: GatewayRequest, options: ClassifyOptions = {}): RequestHead {
  const { method, path, headers } = request;
  const question = path.indexOf("?");
  const rawPath = question < 0 ? path : path.slice(0, question);
  const query = parseQuery(question < 0 ? "" : path.slice(question + 1));
  const target = locate(rawPath, headers.host, options.virtualHostDomain);
  const { bucket, key } = target;
  const resource = key === undefined ? bucket : `${bucket}/${key}`;
  checkHeaderNames(headers, query);
  const hoisted = hoistedHeaders(query, headers, resource);
  const rawCopySource = headers["x-amz-copy-source"];
  const operation = key === undefined ? bucketOperation(method, query, bucket) : objectOperation(method, query, rawCopySource !== undefined, resource);
  checkParameters(operation, query, resource);
  const judged = judgedHeaders(headers, hoisted);
  const hoistedAs = hoisted.length === 0 ? NOTHING_HOISTED : new Map(hoisted.map((h) => [h.header, h.parameter]));
  checkForbiddenHeaders(judged, operation, hoisted.length === 0 ? headerLabel : (name) => (hoistedAs.has(name) ? `query parameter '${hoistedAs.get(name)}' (header '${name}')` : `header '${name}'`));
  // `x-amz-acl: private` is S3's default: stripped upstream wherever the client put it (headers.ts).
  const stripAcl = carriesDefaultAcl(judged);
  const upstreamQuery = upstreamQueryOf(query, stripAcl ? hoistedAs.get("x-amz-acl") : undefined);
  const copies = operation === "CopyObject" || operation === "UploadPartCopy";
  if (rawCopySource !== undefined && !copies) fail("AccessDenied", `header 'x-amz-copy-source' is only valid on CopyObject and UploadPartCopy, not ${operation}`, resource);
  const copySource = copies ? parseCopySource(rawCopySource as string) : undefined;
  const payloadHash = payloadHashFor(operation, headers);
  const upstreamPath = upstreamPathFor(bucket, key, upstreamQuery);
  const removedHeaders = stripAcl && headers["x-amz-acl"] !== undefined ? ACL_REMOVED : NOTHING_REMOVED;
  const { addressing } = target;
  // One literal per shape, fields in the same order (no spreads of temporary objects): this runs on every check.
  if (copySource !== undefined) {
    const upstreamCopySource = copySourceHeader(copySource);
    return key === undefined
      ? { operation, bucket, query, payloadHash, upstreamQuery, upstreamPath, removedHeaders, addressing, copySource, upstreamCopySource }
      : { operation, bucket, key, query, payloadHash, upstreamQuery, upstreamPath, removedHeaders, addressing, copySource, upstreamCopySource };
  }
  return key === undefined
    ? { operation, bucket, query, payloadHash, upstreamQuery, upstreamPath, removedHeaders, addressing }
    : { operation, bucket, key, query, payloadHash, upstreamQuery, upstreamPath, removedHeaders, addressing };
}

const NOTHING_HOISTED: ReadonlyMap<string, string> = new Map();
const NOTHING_REMOVED: readonly string[] = Object.freeze([]);
const ACL_REMOVED: readonly string[] = Object.freeze(["x-amz-acl"]);
const headerLabel = (name: string): string => `header '${name}'`;

/**
 * The query S3 receives: without the presign parameters and without `strippedAcl` (the parameter
 * that hoisted `x-amz-acl: private`, if any). The judged query itself when nothing is dropped.
 */
function upstreamQueryOf(query: Query, strippedAcl: string | undefined): Query {
  if (query.size === 0) return query;
  const presign = presignParametersOf(query);
  let dropped = false;
  for (const name of query.keys()) {
    if (presign.has(name) || name === strippedAcl) {
      dropped = true;
      break;
    }
  }
  if (!dropped) return query;
  return new Map([...query].filter(([name]) => !presign.has(name) && name !== strippedAcl));
}

/**
 * Finishes a classification: reads the DeleteObjects body (the only body judged) and lists the
 * checks. Call it only once the token is verified, so unauthenticated bodies are never parsed.
 * Throws S3ErrorSignal; see `completeClassification`.
 */
export function completeRequest(head: RequestHead, request: GatewayRequest, options: ClassifyOptions = {}): ClassifiedRequest {
  const deleteKeys =
    head.operation === "DeleteObjects" ? parseDeleteObjectsBody(request.body, options.maxDeleteBodyBytes ?? DELETE_OBJECTS_MAX_BODY_BYTES).map((e) => e.key) : undefined;
  return withChecks(head, checksFor(head.operation, head.bucket, head.key, head.query, head.copySource, deleteKeys), deleteKeys);
}

/**
 * The head's fields plus the checks, as one object literal per shape: a spread of the head
 * (`{ ...head, checks }`) was most of a cache-hit check's classification time. Fields the head lacks
 * stay absent (tests/src/s3/classify.test.ts holds the copy equal to the head).
 */
function withChecks(head: RequestHead, checks: readonly Check[], deleteKeys: readonly string[] | undefined): ClassifiedRequest {
  const { operation, bucket, key, query, payloadHash, upstreamQuery, upstreamPath, removedHeaders, addressing, copySource, upstreamCopySource } = head;
  const classified: ClassifiedRequest =
    key === undefined
      ? { operation, bucket, query, payloadHash, upstreamQuery, upstreamPath, removedHeaders, addressing, checks }
      : { operation, bucket, key, query, payloadHash, upstreamQuery, upstreamPath, removedHeaders, addressing, checks };
  // CopyObject, UploadPartCopy and DeleteObjects: the rarer shapes, extended once.
  if (copySource !== undefined) return deleteKeys === undefined ? { ...classified, copySource, upstreamCopySource } : { ...classified, copySource, upstreamCopySource, deleteKeys };
  return deleteKeys === undefined ? classified : { ...classified, deleteKeys };
}

/** Maps a request to its S3 operation and needed checks, body included. Throws S3ErrorSignal; see `classify`. */
export function classifyRequest(request: GatewayRequest, options: ClassifyOptions = {}): ClassifiedRequest {
  return completeRequest(classifyHeadRequest(request, options), request, options);
}

/** The S3 error a classification signalled; anything else is a bug and is thrown on. */
function refusal(error: unknown): { ok: false; error: S3Error } {
  if (error instanceof S3ErrorSignal) return { ok: false, error: error.error };
  throw error;
}

// The three wrappers below catch in place (no closure or intermediate result per call): they run on every check.

/** The head of a request (no body read), or the S3 error that refuses it. Never throws. */
export function classifyHead(request: GatewayRequest, options: ClassifyOptions = NO_OPTIONS): HeadClassification {
  try {
    return { ok: true, head: classifyHeadRequest(request, options) };
  } catch (error) {
    return refusal(error);
  }
}

/** The full classification from a head and the body, or the S3 error that refuses it. Never throws. */
export function completeClassification(head: RequestHead, request: GatewayRequest, options: ClassifyOptions = NO_OPTIONS): Classification {
  try {
    return { ok: true, request: completeRequest(head, request, options) };
  } catch (error) {
    return refusal(error);
  }
}

/** Maps a request to its S3 operation and needed checks, or the S3 error that refuses it. Never throws. */
export function classify(request: GatewayRequest, options: ClassifyOptions = NO_OPTIONS): Classification {
  try {
    return { ok: true, request: classifyRequest(request, options) };
  } catch (error) {
    return refusal(error);
  }
}
