import type { CellStatus } from "./cells";

/**
 * Why a cell of the client matrix does not pass, keyed by `cellKey(client, row)`. Rendered under
 * the table in docs/clients.md. Kinds:
 * - `no-feature`: the client has no such command (n/a);
 * - `by-design`: fails with the client's defaults, and the note names the client setting a user
 *   changes and why no gateway change can remove the failure;
 * - `open`: a gateway bug or gap being fixed; the note says what the gateway does wrong.
 */
export interface CellNote {
  readonly kind: "no-feature" | "by-design" | "open";
  readonly text: string;
}

/** The status a note's kind stands for. */
export const noteStatus = (note: CellNote): CellStatus => (note.kind === "no-feature" ? "n/a" : "fail");

export const NOTES: Readonly<Record<string, CellNote>> = {
  "rclone / denied-delete": {
    kind: "by-design",
    text:
      "denied, and nothing reached S3, but rclone reports it as missing: `deletefile` first HEADs the object, and rclone 1.60 reads a 403 on HEAD as \"is a directory or doesn't exist\". A HEAD response has no body to carry `AccessDenied` (the gateway adds `x-amz-error-code`, which rclone does not read); no rclone setting changes the message.",
  },
  "s3cmd / presign-get": {
    kind: "by-design",
    text:
      "`s3cmd signurl` writes a SigV2 URL that never carries the session token (s3cmd 2.3.0's `sign_url_base_v2` in S3/Crypto.py adds only `AWSAccessKeyId`, `Expires` and `Signature`), with `http://` unless `signurl_use_https = True`. The token is the credential, so the gateway has nothing to judge, and no gateway change can recover a token the URL does not carry; the gateway refuses such a URL with 403 `AccessDenied` saying \"presigned URL without a token\" and naming the presigners that add it. Use one of those: `aws s3 presign` (with `AWS_SESSION_TOKEN` set to the token), boto3's `generate_presigned_url` or the JS SDK's `getSignedUrl`.",
  },
  "s3cmd / denied-presign": {
    kind: "by-design",
    text: "as for the presigned GET: `s3cmd signurl` URLs carry no token, and use `http://` by default, so this fetch fails before it reaches the gateway (with `signurl_use_https = True` it would reach it and get the 403 above).",
  },
  "s3cmd / keys-slashes": {
    kind: "by-design",
    text: "`s3cmd put file s3://b/dir/` appends the file's name to a destination ending in `/`, so s3cmd cannot write a key ending in `/` (the `//` key works); a client limit, not a gateway one.",
  },
  "aws-cli-v2 / presign-put": { kind: "no-feature", text: "`aws s3 presign` signs GET URLs only." },
  "aws-cli-v1 / presign-put": { kind: "no-feature", text: "`aws s3 presign` signs GET URLs only." },
  "boto3 / sync": { kind: "no-feature", text: "boto3 has no sync; `aws s3 sync` is the aws cli's." },
  "sdk-v3 / sync": { kind: "no-feature", text: "the SDK has no sync." },
  "rclone / presign-put": { kind: "no-feature", text: "`rclone link` makes GET links only." },
  "rclone / keys-slashes": { kind: "no-feature", text: "rclone maps keys to file paths: it cannot name a key with `//` or a trailing `/`." },
  "s3cmd / range-get": { kind: "no-feature", text: "s3cmd has no range download option." },
  "s3cmd / presign-put": { kind: "no-feature", text: "`s3cmd signurl` makes GET URLs only." },
};
