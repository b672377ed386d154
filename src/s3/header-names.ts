import { fail } from "../errors";
import type { Headers } from "./headers";
import type { Query } from "./query";

/**
 * Header names the load balancer in front of Envoy passes on. With `drop_invalid_header_fields`
 * (which the plan review requires), an ALB removes every header whose name does not match
 * `[-A-Za-z0-9]+`, silently ("Application Load Balancers", attributes:
 * routing.http.drop_invalid_header_fields.enabled). Names arrive here lower-cased.
 */
const KEPT_BY_LOAD_BALANCER = /^[-a-z0-9]+$/;

const SIGNED_HEADERS_IN_AUTHORIZATION = /(?:^|[\s,])SignedHeaders=([^,\s]*)/;

/** The header names a client's SigV4 signature lists (Authorization header, or a presigned URL's X-Amz-SignedHeaders). */
const NO_NAMES: readonly string[] = Object.freeze([]);

function signedHeaderNames(headers: Headers, query: Query): readonly string[] {
  const { authorization } = headers;
  const fromHeader = authorization === undefined ? undefined : SIGNED_HEADERS_IN_AUTHORIZATION.exec(authorization)?.[1];
  const fromQuery = query.size === 0 ? undefined : query.get("X-Amz-SignedHeaders");
  // A bearer token without a signature signs nothing: no arrays built on that path.
  if (!fromHeader && !fromQuery) return NO_NAMES;
  return [fromHeader, fromQuery].flatMap((list) => (list === undefined || list === "" ? [] : list.toLowerCase().split(";")));
}

function refuse(name: string): never {
  const fixed = name.replace(/[^-a-z0-9]/g, "-");
  const what = name.startsWith("x-amz-meta-") ? `user metadata name '${name.slice("x-amz-meta-".length)}' (header '${name}')` : `header '${name}'`;
  return fail(
    "InvalidRequest",
    `${what} holds characters other than letters, digits and '-': the load balancer in front of this gateway drops such header names, ` +
      `so S3 would never receive it; rename it '${fixed}'`,
  );
}

/**
 * Refuses (400 InvalidRequest, naming the header and the fix) a request with a header name the
 * load balancer drops: present here (no load balancer in between, as in `npm run dev`), or listed
 * in the client's signature but missing (the load balancer removed it on the way). S3 keeps such
 * names (boto3's `Metadata={"original_name": ...}` sends `x-amz-meta-original_name`), so without
 * this check the upload would succeed and the metadata be lost without a word. A header neither
 * signed nor seen cannot be detected; every SigV4 client signs its `x-amz-*` headers. Names in a
 * presigned URL's query (hoisted headers) pass the load balancer and are not checked.
 */
export function checkHeaderNames(headers: Headers, query: Query): void {
  for (const name in headers) if (headers[name] !== undefined && !KEPT_BY_LOAD_BALANCER.test(name)) refuse(name);
  for (const name of signedHeaderNames(headers, query)) if (!KEPT_BY_LOAD_BALANCER.test(name)) refuse(name);
}
