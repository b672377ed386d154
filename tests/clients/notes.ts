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

/** The local S3, not the gateway: moto serves through werkzeug, which drops header names with `_`. */
const MOTO_UNDERSCORE: CellNote = {
  kind: "open",
  text:
    "the gateway forwards `x-amz-meta-original_name` (Envoy's `headers_with_underscores_action` is ALLOW), but the local S3 loses it: moto runs on werkzeug, whose WSGI environ cannot tell `_` from `-` and drops header names holding `_` (moto alone, without the gateway, stores `{}` for the same put). S3 keeps such names; the local stand-in (bin/dev/s3-verifier.ts) needs to carry them past werkzeug before this cell can pass.",
};

/** rclone's bucket check: a CreateBucket before each upload. */
const RCLONE_CHECK_BUCKET: CellNote = {
  kind: "open",
  text:
    "rclone first sends CreateBucket (`PUT /data`; its default `no_check_bucket = false`) unless the same command has already read from the destination folder (so sync, and a copy within one folder, pass), and stops when it fails; the gateway denies it (403 `AccessDenied`, operation not supported). S3 answers 409 `BucketAlreadyOwnedByYou` there, which rclone accepts, so the gateway could answer that itself for a bucket the token has a write grant in. Until then: `no_check_bucket = true` in the remote.",
};

export const NOTES: Readonly<Record<string, CellNote>> = {
  "aws-cli-v2 / metadata-underscore": MOTO_UNDERSCORE,
  "aws-cli-v1 / metadata-underscore": MOTO_UNDERSCORE,
  "boto3 / metadata-underscore": MOTO_UNDERSCORE,
  "sdk-v3 / metadata-underscore": MOTO_UNDERSCORE,
  "s3cmd / metadata-underscore": MOTO_UNDERSCORE,
  "rclone / put-get-empty": RCLONE_CHECK_BUCKET,
  "rclone / put-get-small": RCLONE_CHECK_BUCKET,
  "rclone / put-get-50mib": RCLONE_CHECK_BUCKET,
  "rclone / copy-9mib": RCLONE_CHECK_BUCKET,
  "rclone / keys-special": RCLONE_CHECK_BUCKET,
  "rclone / metadata-underscore": RCLONE_CHECK_BUCKET,
  "rclone / denied-delete": {
    kind: "by-design",
    text:
      "denied, and nothing reached S3, but rclone reports it as missing: `deletefile` first HEADs the object, and rclone 1.60 reads a 403 on HEAD as \"is a directory or doesn't exist\". A HEAD response has no body to carry `AccessDenied` (the gateway adds `x-amz-error-code`, which rclone does not read); no rclone setting changes the message.",
  },
  "s3cmd / head": {
    kind: "open",
    text:
      "`s3cmd info` HEADs the object (allowed), then reads the bucket's `?policy` (denied, tolerated) and `?cors` (denied: s3cmd stops with \"Access to bucket 'data' was denied\"). S3 answers `NoSuchCORSConfiguration` (404) for a bucket without CORS; the gateway could answer bucket `?cors` (and `?policy`, `?lifecycle`) reads locally the way it answers `GET ?acl` with 501.",
  },
  "s3cmd / presign-get": {
    kind: "by-design",
    text:
      "`s3cmd signurl` writes a SigV2 URL that never carries the session token (s3cmd 2.3.0's `sign_url_base_v2` in S3/Crypto.py adds only `AWSAccessKeyId`, `Expires` and `Signature`), with `http://` unless `signurl_use_https = True`. The JWT is the credential, so the gateway has nothing to judge, and no gateway change can recover a token the URL does not carry. Use another client's presigner (aws cli, boto3 and SDK v3 all work).",
  },
  "s3cmd / denied-presign": {
    kind: "by-design",
    text: "as for the presigned GET: `s3cmd signurl` URLs carry no token (and use `http://` by default, so this fetch fails before reaching the gateway's check).",
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
