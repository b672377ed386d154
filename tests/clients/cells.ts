/**
 * The client matrix's axes: the clients (columns) and the tasks each is asked to do (rows). Pure
 * data, shared by the matrix test, the table it writes into docs/clients.md and that table's tests.
 */

export const CLIENTS = [
  { id: "aws-cli-v2", label: "aws cli v2" },
  { id: "aws-cli-v1", label: "aws cli v1" },
  { id: "boto3", label: "boto3" },
  { id: "sdk-v3", label: "JS SDK v3" },
  { id: "rclone", label: "rclone" },
  { id: "s3cmd", label: "s3cmd" },
] as const;

export type ClientId = (typeof CLIENTS)[number]["id"];

export const ROWS = [
  { id: "put-get-empty", label: "put and get an empty file" },
  { id: "put-get-small", label: "put and get 1 KiB" },
  { id: "put-get-50mib", label: "put and get 50 MiB" },
  { id: "sync", label: "sync up, then down" },
  { id: "list-1005", label: "recursive list of 1,005 keys" },
  { id: "head", label: "head" },
  { id: "range-get", label: "range GET" },
  { id: "copy-small", label: "copy 1 KiB" },
  { id: "copy-9mib", label: "copy 9 MiB" },
  { id: "delete", label: "delete" },
  { id: "batch-delete", label: "batch (recursive) delete" },
  { id: "presign-get", label: "presigned GET" },
  { id: "presign-put", label: "presigned PUT" },
  { id: "keys-special", label: "keys with space, unicode, `+ % ~ = & # ? ;`" },
  { id: "keys-slashes", label: "keys with `//` and a trailing `/`" },
  { id: "metadata-underscore", label: "metadata name with `_` refused, naming it" },
  { id: "denied-read", label: "denied: get outside the grant" },
  { id: "denied-write", label: "denied: put outside the grant" },
  { id: "denied-list", label: "denied: list outside the grant" },
  { id: "denied-copy", label: "denied: copy from outside the grant" },
  { id: "denied-delete", label: "denied: delete and batch delete outside the grant" },
  { id: "denied-presign", label: "denied: presigned GET outside the grant" },
] as const;

export type RowId = (typeof ROWS)[number]["id"];

/** What a cell did: passed, failed (with the error), or the client has no such feature. */
export type CellStatus = "pass" | "fail" | "n/a";

export interface CellResult {
  readonly status: CellStatus;
  /** The failure, when status is "fail": the first lines of what the client printed or threw. */
  readonly error?: string;
}

export const cellKey = (client: ClientId, row: RowId): string => `${client} / ${row}`;
