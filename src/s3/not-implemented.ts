/**
 * Requests Envoy answers itself with S3's `501 NotImplemented`, before any token check, because
 * clients treat exactly that answer as "this server has no such feature" and carry on.
 *
 * `GET ?acl` (GetObjectAcl, GetBucketAcl): s3cmd's `cp` and `mv` read the source's ACL first and
 * tolerate only a 501 there (S3/S3.py `object_copy`: `if exc.status != 501: raise`); had the read
 * succeeded, s3cmd would then write the ACL to the copy (PUT ?acl), which the gateway refuses. The
 * answer is the same constant for every path, token or none, so it reveals nothing. The authorizer
 * cannot give it: Envoy turns any 5xx from the authorizer into `status_on_error`. So Envoy's route
 * answers it (envoy-templates/bootstrap.ts), and the local emulator does the same
 * (bin/dev/envoy-request-head.ts). Both read this definition.
 */
export const ACL_READ_NOT_IMPLEMENTED = Object.freeze({
  /** The route's name in Envoy's configuration. */
  routeName: "acl_read_not_implemented",
  method: "GET",
  /** Present with or without a value (`?acl`, `?acl=`). */
  queryParameter: "acl",
  status: 501,
  contentType: "application/xml",
  /** S3's error document, short and static (Envoy's direct responses carry a fixed body, and the rendered config has a size budget). */
  body: "<Error><Code>NotImplemented</Code><Message>ACLs are not served here; objects keep the private default</Message></Error>",
} as const);

/** Whether a request is answered with ACL_READ_NOT_IMPLEMENTED: method GET and the `acl` parameter present in the raw query. */
export function isAclRead(method: string, target: string): boolean {
  if (method !== ACL_READ_NOT_IMPLEMENTED.method) return false;
  const question = target.indexOf("?");
  if (question < 0) return false;
  const name = ACL_READ_NOT_IMPLEMENTED.queryParameter;
  return target
    .slice(question + 1)
    .split("&")
    .some((part) => part === name || part.startsWith(`${name}=`));
}
