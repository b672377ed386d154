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
  "aws-cli-v2 / presign-put": { kind: "no-feature", text: "`aws s3 presign` signs GET URLs only." },
  "aws-cli-v1 / presign-put": { kind: "no-feature", text: "`aws s3 presign` signs GET URLs only." },
  "boto3 / sync": { kind: "no-feature", text: "boto3 has no sync; `aws s3 sync` is the aws cli's." },
  "sdk-v3 / sync": { kind: "no-feature", text: "the SDK has no sync." },
  "rclone / presign-put": { kind: "no-feature", text: "`rclone link` makes GET links only." },
  "rclone / keys-slashes": { kind: "no-feature", text: "rclone maps keys to file paths: it cannot name a key with `//` or a trailing `/`." },
  "s3cmd / range-get": { kind: "no-feature", text: "s3cmd has no range download option." },
  "s3cmd / presign-put": { kind: "no-feature", text: "`s3cmd signurl` makes GET URLs only." },
};
