/**
 * Requests Envoy answers itself with S3's `501 NotImplemented`, before any token check, because
 * clients treat exactly that answer as "this server has no such feature" and carry on. Each is a
 * `GET` with one subresource parameter, on any path; every other method with it reaches the
 * authorizer, which refuses it (403, operation not supported).
 *
 * - `GET ?acl` (GetObjectAcl, GetBucketAcl): s3cmd's `cp` and `mv` read the source's ACL first and
 *   tolerate only a 501 there (S3/S3.py `object_copy`: `if exc.status != 501: raise`); had the read
 *   succeeded, s3cmd would then write the ACL to the copy (PUT ?acl), which the gateway refuses.
 *   `s3cmd info` reads it too and accepts 404 or 501.
 * - `GET ?cors` (GetBucketCors) and `GET ?lifecycle` (GetBucketLifecycle): `s3cmd info` reads both
 *   and stops on anything but 404 or 501 (s3cmd `cmd_info`: `if exc.status not in [404, 501]:
 *   raise`; S3/S3.py `expiration_info` likewise for `?lifecycle`). 501 says "not served here", which
 *   is true whatever the bucket holds; S3's 404 (`NoSuchCORSConfiguration`) would claim the bucket
 *   has none.
 *
 * The answer is one constant per parameter for every path, token or none, so it reveals nothing,
 * and nothing is forwarded. The authorizer cannot give it: Envoy turns any 5xx from the authorizer
 * into `status_on_error`. So Envoy's routes answer it (envoy-templates/bootstrap.ts), and the local
 * emulator does the same (bin/dev/envoy-request-head.ts). Both read this definition. Envoy's route
 * matcher reads parameter names without percent-decoding them (`parseQueryString`), as `notImplementedRead` does.
 */
export interface NotImplementedRead {
  /** The route's name in Envoy's configuration. */
  readonly routeName: string;
  readonly method: "GET";
  /** Present with or without a value (`?acl`, `?acl=`). */
  readonly queryParameter: string;
  readonly status: 501;
  readonly contentType: "application/xml";
  /** S3's error document, short and static (Envoy's direct responses carry a fixed body, and the rendered config has a size budget). */
  readonly body: string;
}

function notImplemented(routeName: string, queryParameter: string, message: string): NotImplementedRead {
  return Object.freeze({
    routeName,
    method: "GET",
    queryParameter,
    status: 501,
    contentType: "application/xml",
    body: `<Error><Code>NotImplemented</Code><Message>${message}</Message></Error>`,
  });
}

/** The reads Envoy answers with 501, in route order. */
export const NOT_IMPLEMENTED_READS: readonly NotImplementedRead[] = Object.freeze([
  notImplemented("acl_read_not_implemented", "acl", "ACLs are not served here; objects keep the private default"),
  notImplemented("cors_read_not_implemented", "cors", "bucket CORS configuration is not served here"),
  notImplemented("lifecycle_read_not_implemented", "lifecycle", "bucket lifecycle configuration is not served here"),
]);

/** The 501 read a request gets from Envoy: method GET and one of the parameters present in the raw query; undefined otherwise. */
export function notImplementedRead(method: string, target: string): NotImplementedRead | undefined {
  if (method !== "GET") return undefined;
  const question = target.indexOf("?");
  if (question < 0) return undefined;
  const names = target
    .slice(question + 1)
    .split("&")
    .map((part) => {
      const eq = part.indexOf("=");
      return eq < 0 ? part : part.slice(0, eq);
    });
  // Envoy tries the routes in order; the first whose parameter is present answers.
  return NOT_IMPLEMENTED_READS.find((read) => names.includes(read.queryParameter));
}
